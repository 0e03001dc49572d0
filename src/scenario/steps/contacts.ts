/**
 * Bindings listed in a REGISTER response (RFC 3261 §10.3 step 8): an agent's binding is found by its whole
 * Contact URI, compared as RFC 3261 §19.1.4 compares SIP URIs.
 */
import type { NameAddr } from '../../sip/fields';
import type { SipUri, Uri } from '../../sip/uri';

const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** RFC 3261 §19.1.4: scheme, user (case-sensitive), host (not), port; user/ttl/method/maddr/transport in both or
 *  neither; any other parameter in both must match. Header components are not compared (Contacts have none). */
export function sameSipUri(a: Uri, b: Uri): boolean {
  if (a.kind !== 'sip' || b.kind !== 'sip') return a.toString() === b.toString();
  const x = a as SipUri;
  const y = b as SipUri;
  if (x.scheme !== y.scheme || x.user !== y.user || x.host.toLowerCase() !== y.host.toLowerCase()) return false;
  if (x.port !== y.port) return false;
  const norm = (v: string | null | undefined) => (v === undefined ? undefined : (v ?? '').toLowerCase());
  for (const p of MUST_MATCH) if (norm(x.params.get(p)) !== norm(y.params.get(p))) return false;
  let same = true;
  x.params.forEach((k, v) => {
    const w = y.params.get(k);
    if (w !== undefined && norm(w) !== norm(v)) same = false;
  });
  return same;
}

export function listed(contacts: NameAddr[], binding: Uri): boolean {
  return contacts.some((c) => sameSipUri(c.uri, binding));
}

/** The reg-ids of the Contacts that carry this instance (RFC 5626 §6: bindings keyed by instance and reg-id). */
export function boundRegIds(contacts: NameAddr[], instance: string): number[] {
  const ids: number[] = [];
  for (const c of contacts) {
    const inst = c.params.getUnquoted('+sip.instance');
    if (inst && inst.replace(/^<|>$/g, '') === instance) ids.push(Number(c.params.get('reg-id')));
  }
  return ids.sort();
}
