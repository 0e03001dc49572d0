/** What the sending steps share: header lists from YAML, the agent's transport, the SUT as target. */
import type { SipAgent } from '../../agent/sip-agent';
import type { SipMessage } from '../../sip/message';
import type { TransportProtocol } from '../../transport/types';

export type HeaderMap = Record<string, string | number> | undefined;

/**
 * Adds a step's extra headers. A header the harness already put in (Max-Forwards, Expires, Contact …) is replaced
 * by the step's value rather than repeated, so `Max-Forwards: 0` means exactly that.
 */
export function applyHeaders(msg: SipMessage, headers: HeaderMap): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (msg.has(name)) msg.set(name, value);
    else msg.append(name, value);
  }
}

export function transportOf(agent: SipAgent): TransportProtocol {
  return agent.defaultTransport;
}

/** Methods whose request carries the sender's Contact (RFC 3261 §8.1.1.8; RFC 6665 §4.1.2.1, §4.1.2.4 for NOTIFY). */
export function carriesContact(method: string): boolean {
  return ['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER'].includes(method);
}

/** Methods whose 2xx creates a dialog (RFC 3261 §12.1; RFC 6665 §4.1.2.1; RFC 3515). */
export function createsDialog(method: string): boolean {
  return ['INVITE', 'SUBSCRIBE', 'REFER'].includes(method);
}
