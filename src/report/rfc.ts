/**
 * RFC section references, so a failing report line leads to the sentence of the RFC in one click.
 * Accepted forms: "RFC 3261 §17.1.1.3", "RFC3261 17.1.1.3", "rfc 3261 section 17.1.1.3", "3261#17.1.1.3",
 * "RFC 5626" (whole document). Links use the rfc-editor HTML anchors: `.../rfc3261#section-17.1.1.3`.
 */

export interface RfcRef {
  rfc: number;
  /** Dotted section number ("17.1.1.3"), or an appendix ("A", "B.2"); absent: the whole RFC. */
  section?: string;
}

const SECTION = String.raw`(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)*)`;
const FORMS: RegExp[] = [
  // "RFC 3261 §17.1.1.3", "RFC3261 section 17.1.1.3", "RFC 3261, §8.2", "RFC 3261 17.1", "RFC 3261"
  new RegExp(String.raw`^RFC\s*(\d{1,5})(?:(?:\s*,?\s*(?:§|sect(?:ion)?\.?|s\.)\s*|,?\s+)(${SECTION}))?$`, 'i'),
  // "3261#17.1.1.3", "rfc3261#section-17.1.1.3", "3261"
  new RegExp(String.raw`^(?:RFC\s*)?(\d{1,5})(?:\s*#\s*(?:section-)?(${SECTION}))?$`, 'i'),
];

/** Parses one reference; throws an Error naming the text when it is not a reference. */
export function parseRfcRef(text: string): RfcRef {
  const t = text.trim();
  for (const re of FORMS) {
    const m = re.exec(t);
    if (m) {
      const rfc = Number(m[1]);
      if (rfc <= 0) break;
      const section = m[2]?.replace(/\.$/, '');
      return section ? { rfc, section: /^[a-z]/.test(section) ? section.toUpperCase() : section } : { rfc };
    }
  }
  throw new Error(`not an RFC reference: "${text}" (expected e.g. "RFC 3261 §17.1.1.3" or "3261#17.1.1.3")`);
}

/** Like parseRfcRef but returns undefined instead of throwing. */
export function tryParseRfcRef(text: string): RfcRef | undefined {
  try {
    return parseRfcRef(text);
  } catch {
    return undefined;
  }
}

function toRef(ref: RfcRef | string): RfcRef {
  return typeof ref === 'string' ? parseRfcRef(ref) : ref;
}

/** `https://www.rfc-editor.org/rfc/rfc3261#section-17.1.1.3` (appendices: `#appendix-A`). */
export function rfcUrl(ref: RfcRef | string): string {
  const r = toRef(ref);
  const base = `https://www.rfc-editor.org/rfc/rfc${r.rfc}`;
  if (!r.section) return base;
  return /^[A-Z]/.test(r.section) ? `${base}#appendix-${r.section}` : `${base}#section-${r.section}`;
}

/** `RFC 3261 §17.1.1.3`, or `RFC 5626` for the whole document. */
export function rfcDisplayName(ref: RfcRef | string): string {
  const r = toRef(ref);
  return r.section ? `RFC ${r.rfc} §${r.section}` : `RFC ${r.rfc}`;
}

/** Canonical short form for labels and summary JSON: "RFC 3261 §17.1.1.3". Same as rfcDisplayName. */
export const formatRfcRef = rfcDisplayName;

/** A link record in the shape Allure's `link(url, name, type)` takes. */
export interface RfcLink {
  url: string;
  name: string;
  type: 'rfc';
}

export function rfcLink(ref: RfcRef | string): RfcLink {
  return { url: rfcUrl(ref), name: rfcDisplayName(ref), type: 'rfc' };
}

/**
 * Finds every reference inside free text ("see RFC 3261 §17.1.1.3 and RFC 5626 §5.3"), in order, de-duplicated.
 * Useful to link the sections a failure message cites.
 */
export function findRfcRefs(text: string): RfcRef[] {
  const re = new RegExp(String.raw`\bRFC\s*(\d{1,5})(?:\s*,?\s*(?:§\s*|section\s+)(${SECTION}))?`, 'gi');
  const out: RfcRef[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(re)) {
    const section = m[2]?.replace(/\.$/, '');
    const ref: RfcRef = section ? { rfc: Number(m[1]), section } : { rfc: Number(m[1]) };
    const key = rfcDisplayName(ref);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(ref);
    }
  }
  return out;
}

/** ETSI TS 102 027-2 V4.1.1, the test purposes for RFC 3261 (one PDF: there is no per-purpose anchor). */
export const ETSI_TS_102_027_2_URL =
  'https://www.etsi.org/deliver/etsi_ts/102000_102099/10202702/04.01.01_60/ts_10202702v040101p.pdf';

/** The link for an ETSI test purpose: the document, named after the purpose. */
export function etsiLink(id: string): { url: string; name: string; type: 'etsi' } {
  return { url: ETSI_TS_102_027_2_URL, name: `ETSI TS 102 027-2 ${id}`, type: 'etsi' };
}
