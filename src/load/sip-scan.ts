/**
 * The load engine's lean reader: one pass over a datagram's head that finds only what a load UAC/UAS needs
 * (start line, Call-ID, CSeq, the raw Via/From/To lines, Contact URI, Record-Route lines) and fills a reusable
 * scratch object, so the hot path allocates nothing but substrings. Long and compact header forms (RFC 3261 §7.3.3)
 * and any letter case are understood. A message it cannot read (no Call-ID, no CSeq, a bad start line) gets
 * `ok = false`; the engines count it as 'unparseable' and drop it, as RFC 3261 §18.1.2/§18.2.1 allow.
 */

export interface Scan {
  ok: boolean;
  /** 0 for a request. */
  status: number;
  /** Request method (requests only). */
  method: string;
  /** Request-URI (requests only). */
  requestUri: string;
  callId: string;
  cseq: number;
  cseqMethod: string;
  /** Every Via header line as received ("Via: ...\r\n" each), in order (RFC 3261 §8.2.6.2: copied into responses). */
  vias: string;
  /** The From and To header values (after the colon, trimmed). */
  from: string;
  to: string;
  /** The To tag (empty when none). */
  toTag: string;
  /** The first Contact URI, without angle brackets (empty when none). */
  contact: string;
  /** Record-Route values (each header may hold several, comma-separated), in order. */
  recordRoute: string[];
  /** Where the body starts (after CRLFCRLF), -1 without an end of head. */
  bodyStart: number;
}

export function newScan(): Scan {
  return {
    ok: false,
    status: 0,
    method: '',
    requestUri: '',
    callId: '',
    cseq: 0,
    cseqMethod: '',
    vias: '',
    from: '',
    to: '',
    toTag: '',
    contact: '',
    recordRoute: [],
    bodyStart: -1,
  };
}

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;

function trimmed(s: string, start: number, end: number): string {
  while (start < end && (s.charCodeAt(start) === SP || s.charCodeAt(start) === HTAB)) start++;
  while (end > start && (s.charCodeAt(end - 1) === SP || s.charCodeAt(end - 1) === HTAB)) end--;
  return s.slice(start, end);
}

/** Whether s[start, start+name.length) is `name` (lower case letters and '-') in any letter case. */
function nameIs(s: string, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if ((s.charCodeAt(start + i) | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** The header's canonical short key: 'v' Via, 'f' From, 't' To, 'i' Call-ID, 'c' CSeq, 'm' Contact, 'r' Record-Route, '' other.
 *  By length and letters, in any case (RFC 3261 §7.3.1), without building the name as a string. */
function headerKey(s: string, start: number, end: number): string {
  const c0 = s.charCodeAt(start) | 0x20;
  switch (end - start) {
    case 1: // compact forms, RFC 3261 §7.3.3
      return c0 === 0x76 ? 'v' : c0 === 0x66 ? 'f' : c0 === 0x74 ? 't' : c0 === 0x69 ? 'i' : c0 === 0x6d ? 'm' : '';
    case 2:
      return c0 === 0x74 && nameIs(s, start, 'to') ? 't' : '';
    case 3:
      return c0 === 0x76 && nameIs(s, start, 'via') ? 'v' : '';
    case 4:
      if (c0 === 0x66) return nameIs(s, start, 'from') ? 'f' : '';
      return c0 === 0x63 && nameIs(s, start, 'cseq') ? 'c' : '';
    case 7:
      if (c0 !== 0x63) return '';
      return nameIs(s, start, 'call-id') ? 'i' : nameIs(s, start, 'contact') ? 'm' : '';
    case 12:
      return c0 === 0x72 && nameIs(s, start, 'record-route') ? 'r' : '';
    default:
      return '';
  }
}

/** The value of parameter `name` in a header value (outside <...>), or '' (e.g. the To tag). */
export function headerParam(value: string, name: string): string {
  const gt = value.lastIndexOf('>');
  const lower = value.toLowerCase();
  const key = `;${name}=`;
  let i = lower.indexOf(key, gt < 0 ? 0 : gt);
  if (i < 0) {
    // Parameters may have whitespace around ';' (RFC 3261 §25.1 SEMI = SWS ";" SWS).
    const m = new RegExp(`;\\s*${name}\\s*=\\s*([^;,\\s]+)`, 'i').exec(value.slice(gt < 0 ? 0 : gt));
    return m ? m[1]! : '';
  }
  i += key.length;
  let j = i;
  while (j < value.length) {
    const c = value.charCodeAt(j);
    if (c === 0x3b || c === SP || c === HTAB || c === 0x2c) break;
    j++;
  }
  return value.slice(i, j);
}

/** The URI of a name-addr or addr-spec ("Bob <sip:b@h>;x" → "sip:b@h", "sip:b@h;x" → "sip:b@h;x"). */
export function addrUri(value: string): string {
  const lt = value.indexOf('<');
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    return gt < 0 ? '' : value.slice(lt + 1, gt);
  }
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim();
}

/** Splits a header value on commas outside <...> and quotes (several Record-Route entries in one header). */
function splitList(value: string, out: string[]): void {
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (!quoted && c === 0x3c) depth++;
    else if (!quoted && c === 0x3e) depth--;
    else if (!quoted && depth === 0 && c === 0x2c) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
}

/** Reads a datagram (as a latin1 string) into `out`; returns out.ok. */
function resetScan(out: Scan): void {
  out.ok = false;
  out.status = 0;
  out.method = '';
  out.requestUri = '';
  out.callId = '';
  out.cseq = 0;
  out.cseqMethod = '';
  out.vias = '';
  out.from = '';
  out.to = '';
  out.toTag = '';
  out.contact = '';
  out.recordRoute.length = 0;
  out.bodyStart = -1;
}

/** Stores what the load engine needs of one header line (`key`: its compact form); true for a well-formed CSeq. */
function readHeader(out: Scan, key: string, s: string, pos: number, colon: number, end: number): boolean {
  switch (key) {
    case 'v':
      out.vias += s.slice(pos, end + 2);
      break;
    case 'f':
      out.from = trimmed(s, colon + 1, end);
      break;
    case 't':
      out.to = trimmed(s, colon + 1, end);
      break;
    case 'i':
      out.callId = trimmed(s, colon + 1, end);
      break;
    case 'c': {
      const v = trimmed(s, colon + 1, end);
      const sp = v.indexOf(' ');
      const n = Number(sp < 0 ? v : v.slice(0, sp));
      if (sp > 0 && Number.isInteger(n)) {
        out.cseq = n;
        out.cseqMethod = v.slice(sp + 1).trim();
        return true;
      }
      break;
    }
    case 'm':
      if (out.contact === '') out.contact = addrUri(trimmed(s, colon + 1, end));
      break;
    case 'r':
      splitList(trimmed(s, colon + 1, end), out.recordRoute);
      break;
  }
  return false;
}

export function scanMessage(s: string, out: Scan): boolean {
  resetScan(out);

  const eol = s.indexOf('\r\n');
  if (eol < 0) return false;
  if (s.startsWith('SIP/2.0 ')) {
    const st = (s.charCodeAt(8) - 48) * 100 + (s.charCodeAt(9) - 48) * 10 + (s.charCodeAt(10) - 48);
    if (!(st >= 100 && st <= 699)) return false;
    out.status = st;
  } else {
    const sp1 = s.indexOf(' ');
    const sp2 = s.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || sp2 > eol || s.slice(sp2 + 1, eol) !== 'SIP/2.0') return false;
    out.method = s.slice(0, sp1);
    out.requestUri = s.slice(sp1 + 1, sp2);
  }

  let pos = eol + 2;
  let gotCseq = false;
  while (pos < s.length) {
    if (s.charCodeAt(pos) === CR && s.charCodeAt(pos + 1) === LF) {
      out.bodyStart = pos + 2;
      break;
    }
    // A header line, with its folded continuation lines (RFC 3261 §7.3.1).
    const end = headerLineEnd(s, pos);
    if (end < 0) return false;
    const colon = s.indexOf(':', pos);
    if (colon > 0 && colon < end) {
      let nameEnd = colon;
      while (nameEnd > pos && (s.charCodeAt(nameEnd - 1) === SP || s.charCodeAt(nameEnd - 1) === HTAB)) nameEnd--;
      const key = headerKey(s, pos, nameEnd);
      if (key !== '') {
        if (readHeader(out, key, s, pos, colon, end)) gotCseq = true;
      }
    }
    pos = end + 2;
  }
  if (out.callId === '' || !gotCseq) return false;
  if (out.to !== '') out.toTag = headerParam(out.to, 'tag');
  out.ok = true;
  return true;
}

/** Index of the CRLF that ends the header line at pos, past its folded continuation lines (RFC 3261 §7.3.1); -1 if cut short. */
export function headerLineEnd(s: string, pos: number): number {
  let end = s.indexOf('\r\n', pos);
  if (end < 0) return -1;
  while (end + 2 < s.length && (s.charCodeAt(end + 2) === SP || s.charCodeAt(end + 2) === HTAB)) {
    const next = s.indexOf('\r\n', end + 2);
    if (next < 0) return -1;
    end = next;
  }
  return end;
}
