/**
 * The reference SUT's fault switches: each one reproduces one defect that real proxies and registrars have, so
 * every conformance check can be shown to fail against a SUT that has the defect (a check that cannot fail proves
 * nothing). The README's fault table is generated from FAULTS.
 */

export const FAULTS = {
  'drop-2xx-ack': 'the proxy drops the ACK for a 2xx instead of forwarding it end to end (RFC 3261 §16.11, §13.2.2.4)',
  'no-2xx-retransmit-forward':
    'the proxy forwards only the first 2xx to INVITE, not its retransmissions (RFC 3261 §16.7, RFC 6026 §7.2)',
  'no-non2xx-ack':
    'the proxy never ACKs a non-2xx final response hop by hop, so the callee retransmits it (RFC 3261 §17.1.1.3)',
  'ignore-cancel': 'the proxy answers CANCEL with 200 but never cancels the pending branch (RFC 3261 §16.10)',
  'no-max-forwards-decrement': 'the proxy forwards requests without decrementing Max-Forwards (RFC 3261 §16.6 step 3)',
  'no-contact-in-200': "the registrar's 200 to REGISTER omits the current bindings (RFC 3261 §10.3 step 8)",
  'duplicate-binding-on-refresh':
    'a refresh REGISTER adds a second binding instead of updating the first (RFC 3261 §10.3 step 7)',
  'ignore-expires-0':
    'Expires: 0 (and Contact: * with Expires: 0) leaves the bindings in place (RFC 3261 §10.2.2, §10.3 step 6)',
  'no-require-outbound': "the registrar's 200 to an outbound REGISTER lacks Require: outbound (RFC 5626 §6)",
  'no-keepalive-pong': 'the edge proxy never answers CRLFCRLF pings or STUN keep-alives (RFC 5626 §3.5.1, §4.4, §8)',
  'no-failover-on-430':
    'the authoritative proxy passes a 430 Flow Failed upstream instead of trying the next flow (RFC 5626 §7)',
  'no-failover-on-flow-loss':
    'the proxy answers 430 when the flow of a binding is gone instead of trying the next flow (RFC 5626 §5.3, §7)',
  'hang-when-all-flows-failed':
    'when every flow failed the proxy sends no final response at all, instead of 480 (RFC 3261 §16.7 step 6)',
} as const satisfies Record<string, string>;

export type FaultName = keyof typeof FAULTS;

export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

export function isFaultName(name: string): name is FaultName {
  return Object.prototype.hasOwnProperty.call(FAULTS, name);
}

/** Checks a list of fault names (from the command line or a config) and names the valid ones when one is unknown. */
export function parseFaults(names: readonly string[]): FaultName[] {
  const bad = names.filter((n) => !isFaultName(n));
  if (bad.length)
    throw new Error(
      `unknown fault${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ')}; valid faults: ${FAULT_NAMES.join(', ')}`,
    );
  return [...new Set(names)] as FaultName[];
}
