/**
 * Traceability: which RFC sections and which ETSI TS 102 027-2 test purposes a set of checks covers.
 *
 * RFC: every section a check cites, with the checks citing it. For RFC 3261 the share is taken over the sections
 * the ETSI suite itself tests (the clauses its 609 purposes cite), the one sourced list of "what a conformance
 * suite for RFC 3261 must reach"; other RFCs list their cited sections without a share.
 * ETSI: per group (registrar, proxy call control ...), the purposes claimed by at least one check over the
 * purposes of the group, void purposes excluded.
 */
import data from './ts-102-027-2.json';
import { etsiGroups, etsiPurpose, etsiPurposes } from './catalogue';
import { parseRfcRef } from '../../report/rfc';

export interface CoveredCheck {
  id: string;
  rfc: readonly string[];
  etsi?: readonly string[];
}

export interface RfcSectionCoverage {
  /** "10.3", or "" when a check cites the whole RFC. */
  section: string;
  title?: string;
  checks: string[];
  /** RFC 3261 only: how many ETSI purposes cite this section, and how many of those the checks claim. */
  etsiPurposes?: number;
  etsiClaimed?: number;
}

export interface RfcCoverage {
  rfc: number;
  sections: RfcSectionCoverage[];
  /** RFC 3261 only: sections the ETSI suite tests, and how many of them some check cites. */
  etsiTested?: { sections: number; covered: number; share: number };
}

export interface EtsiGroupCoverage {
  key: string;
  name: string;
  /** Non-void purposes in the group. */
  purposes: number;
  covered: number;
  share: number;
  claimed: Array<{ id: string; citation: string | null; checks: string[] }>;
}

export interface Coverage {
  rfc: RfcCoverage[];
  etsi: {
    document: string;
    groups: EtsiGroupCoverage[];
    total: { purposes: number; covered: number; share: number };
  };
}

const RFC3261_TESTED = (data as { rfc3261Sections: Record<string, string | null> }).rfc3261Sections;

export function computeCoverage(checks: readonly CoveredCheck[]): Coverage {
  const claims = claimsByPurpose(checks);
  return { rfc: rfcCoverage(checks, claims), etsi: etsiCoverage(claims) };
}

function claimsByPurpose(checks: readonly CoveredCheck[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of checks) for (const id of c.etsi ?? []) out.set(id, [...(out.get(id) ?? []), c.id]);
  return out;
}

function rfcCoverage(checks: readonly CoveredCheck[], claims: Map<string, string[]>): RfcCoverage[] {
  const byRfc = new Map<number, Map<string, string[]>>();
  for (const c of checks) {
    for (const ref of c.rfc) {
      const r = parseRfcRef(ref);
      const sections = byRfc.get(r.rfc) ?? new Map<string, string[]>();
      const key = r.section ?? '';
      const ids = sections.get(key) ?? [];
      if (!ids.includes(c.id)) ids.push(c.id);
      sections.set(key, ids);
      byRfc.set(r.rfc, sections);
    }
  }
  return [...byRfc.entries()]
    .sort(([a], [b]) => (a === 3261 ? -1 : b === 3261 ? 1 : a - b))
    .map(([rfc, sections]) => {
      const rows = [...sections.entries()]
        .sort(([a], [b]) => compareSections(a, b))
        .map(([section, ids]) => sectionRow(rfc, section, ids, claims));
      if (rfc !== 3261) return { rfc, sections: rows };
      const tested = Object.entries(RFC3261_TESTED).filter(([, title]) => title !== null);
      const covered = tested.filter(([s]) => sections.has(s)).length;
      return {
        rfc,
        sections: rows,
        etsiTested: { sections: tested.length, covered, share: ratio(covered, tested.length) },
      };
    });
}

function sectionRow(rfc: number, section: string, checks: string[], claims: Map<string, string[]>): RfcSectionCoverage {
  if (rfc !== 3261) return { section, checks };
  const citing = etsiPurposes().filter((p) => p.status !== 'void' && p.rfc.includes(`RFC 3261 §${section}`));
  const row: RfcSectionCoverage = { section, checks, etsiPurposes: citing.length };
  const title = RFC3261_TESTED[section];
  if (title) row.title = title;
  row.etsiClaimed = citing.filter((p) => claims.has(p.id)).length;
  return row;
}

function etsiCoverage(claims: Map<string, string[]>): Coverage['etsi'] {
  const groups = etsiGroups().map((g): EtsiGroupCoverage => {
    const members = etsiPurposes().filter((p) => p.group === g.key && p.status !== 'void');
    const claimed = members
      .filter((p) => claims.has(p.id))
      .map((p) => ({ id: p.id, citation: p.citation, checks: claims.get(p.id)! }));
    return {
      key: g.key,
      name: g.name,
      purposes: members.length,
      covered: claimed.length,
      share: ratio(claimed.length, members.length),
      claimed,
    };
  });
  const purposes = groups.reduce((n, g) => n + g.purposes, 0);
  const covered = groups.reduce((n, g) => n + g.covered, 0);
  for (const id of claims.keys()) if (!etsiPurpose(id)) throw new Error(`unknown ETSI test purpose ${id}`);
  return {
    document: 'ETSI TS 102 027-2 V4.1.1',
    groups,
    total: { purposes, covered, share: ratio(covered, purposes) },
  };
}

/** covered / total as a fraction rounded to 4 places (0 when the total is 0). */
function ratio(covered: number, total: number): number {
  return total ? Math.round((covered / total) * 10_000) / 10_000 : 0;
}

/** Numeric section order: 8.2 < 8.10 < 10; appendices ("A") after the numbered sections. */
function compareSections(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = Number(x);
    const ny = Number(y);
    if (Number.isNaN(nx) !== Number.isNaN(ny)) return Number.isNaN(nx) ? 1 : -1;
    const d = Number.isNaN(nx) ? x.localeCompare(y) : nx - ny;
    if (d) return d;
  }
  return 0;
}
