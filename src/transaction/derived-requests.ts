/**
 * Requests that take their transaction identity from an INVITE: the CANCEL (RFC 3261 §9.1) and the ACK for a
 * non-2xx final response (§17.1.1.3). Both carry the INVITE's Request-URI, Call-ID, From, CSeq number, Route set
 * and its top Via only (same branch), so the receiver matches them to the INVITE's transaction.
 */
import { SipRequest, SipResponse } from '../sip/message';

function fromInvite(method: 'CANCEL' | 'ACK', inv: SipRequest, to: string): SipRequest {
  const r = new SipRequest(method, inv.uriText);
  r.append('Via', inv.getAll('via')[0]!);
  r.append('Max-Forwards', method === 'ACK' ? (inv.get('max-forwards') ?? '70') : 70);
  for (const route of inv.getAll('route')) r.append('Route', route);
  r.append('From', inv.get('from')!);
  r.append('To', to);
  r.append('Call-ID', inv.callId);
  r.append('CSeq', `${inv.cseq.seq} ${method}`);
  return r;
}

/** §9.1: the To of the INVITE (no tag from any response). */
export function cancelFor(invite: SipRequest): SipRequest {
  return fromInvite('CANCEL', invite, invite.get('to')!);
}

/** §17.1.1.3: the To of the response being acknowledged (with its tag). */
export function ackForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  return fromInvite('ACK', invite, response.get('to')!);
}
