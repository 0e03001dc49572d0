/**
 * The test purposes of ETSI TS 102 027-2 (TSS&TP for RFC 3261): identifiers, groups, the SUT roles a purpose can be
 * claimed for, and the RFC 3261 clauses each one cites. The data (ts-102-027-2.json) says where it comes from; the
 * purpose text itself is ETSI's and is not shipped. A check names the purposes it covers in `etsi:`; an id that
 * is not in the catalogue, or a purpose for a role the check does not play, is a load error.
 */
import data from './ts-102-027-2.json';
import type { SutRole } from '../check';

export type EtsiClass = 'V' | 'I' | 'O' | 'TI';
export type EtsiStatus = 'mandatory' | 'recommended' | 'conditional' | 'void';

export interface EtsiPurpose {
  /** "SIP_CC_PR_MP_RQ_V_002" */
  id: string;
  /** Area and entity, "CC_PR": the coverage group. */
  group: string;
  /** "MP_RQ", "CE" ... or null for groups without functions (MG, QC, RG). */
  function: string | null;
  class: EtsiClass;
  /** "proxy", "registrar", "originating endpoint" ... */
  entity: string;
  /** The sipconf SUT roles that play this entity (empty: none does, e.g. a redirect server). */
  roles: SutRole[];
  status: EtsiStatus;
  /** The PICS condition for a conditional purpose ("A.77/1.2 AND A.77/1.4"). */
  pics?: string;
  /** Cited sections, "RFC 3261 §16.3". */
  rfc: string[];
  /** The citation with its step numbers, "RFC 3261 §16.3 item 3"; null for a void purpose. */
  citation: string | null;
  /** One line written from the group and the titles of the cited clauses (not ETSI's text). */
  summary: string;
  /** What the purpose asks, where a source that read its text says so (paraphrased). */
  interpretation?: string;
}

export interface EtsiGroup {
  /** "CC_PR" */
  key: string;
  /** "proxy call control" */
  name: string;
  area: string;
  entity: string;
  roles: SutRole[];
  purposes: number;
  void: number;
}

interface Catalogue {
  document: string;
  url: string;
  source: string;
  completeness: string;
  count: number;
  groups: Record<string, Omit<EtsiGroup, 'key'>>;
  purposes: EtsiPurpose[];
}

const CATALOGUE = data as unknown as Catalogue;
const BY_ID = new Map(CATALOGUE.purposes.map((p) => [p.id, p]));

/** The document the identifiers come from, and its PDF. */
export const ETSI_DOCUMENT = { title: CATALOGUE.document, url: CATALOGUE.url } as const;

/** `SIP_<area>_<entity>[_<function>]_<class>_<nnn>` — the shape of an identifier (not proof that it exists). */
export const ETSI_ID_PATTERN = /^SIP_[A-Z]{2}_[A-Z]{2}(?:_[A-Z]{2}){0,2}_(?:V|I|O|TI)_\d{3}$/;

export function etsiPurpose(id: string): EtsiPurpose | undefined {
  return BY_ID.get(id);
}

export function etsiPurposes(): readonly EtsiPurpose[] {
  return CATALOGUE.purposes;
}

export function etsiGroups(): EtsiGroup[] {
  return Object.entries(CATALOGUE.groups).map(([key, g]) => ({ key, ...g }));
}

/** What a check must look like to claim purposes: its roles and the capabilities it needs. */
export interface EtsiClaimant {
  roles: readonly SutRole[];
  requires: readonly string[];
}

/** The roles a check plays: its SUT roles, plus registrar when it needs a proxy's `registrar` capability. */
function rolesPlayed(check: EtsiClaimant): Set<SutRole> {
  const played = new Set(check.roles);
  if (check.requires.includes('registrar')) played.add('registrar');
  return played;
}

/** Why a check cannot claim this id (unknown, void, or for a role it does not play), or undefined when it can. */
export function etsiClaimProblem(id: string, check: EtsiClaimant): string | undefined {
  const p = BY_ID.get(id);
  if (!p) {
    const shape = ETSI_ID_PATTERN.test(id) ? '' : ' (the form is SIP_<area>_<entity>[_<function>]_<V|I|O|TI>_<nnn>)';
    return `unknown ETSI TS 102 027-2 test purpose "${id}"${shape}`;
  }
  if (p.status === 'void') return `ETSI test purpose ${id} is void in ${CATALOGUE.document.split(',')[0]}`;
  const played = rolesPlayed(check);
  if (!p.roles.some((r) => played.has(r))) {
    const needs = p.roles.length ? `a ${p.roles.join(' or ')} SUT` : 'an entity sipconf does not test';
    return `ETSI test purpose ${id} is about the ${p.entity} (${needs}); this check's SUT roles are ${[...played].join(', ')}`;
  }
  return undefined;
}
