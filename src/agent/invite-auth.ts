/**
 * Answering a proxy's or B2BUA's digest challenge to an INVITE (RFC 3261 §22.2, §22.3, §8.1.3.5): the 401/407 was
 * already ACKed by the client transaction on the INVITE's branch (§17.1.1.3); the retry is the same request with
 * the same Call-ID, From tag and To, CSeq + 1, a new branch, and an Authorization (401) or Proxy-Authorization
 * (407) answering the challenge (RFC 7616: SHA-256 or MD5, whichever the challenger offers first).
 */
import { DigestClient, selectChallenge } from '../sip/digest';
import type { SipResponse } from '../sip/message';
import type { Target } from '../transaction/transaction';
import type { OutgoingCall } from './outgoing-call';

export interface InviteRetry {
  call: OutgoingCall;
  /** The algorithm of the challenge answered. */
  algorithm: string;
}

/** The retried INVITE for a 401/407 to `call`, or undefined when the response offers no usable challenge. */
export async function retryInviteWithCredentials(
  call: OutgoingCall,
  challenge: SipResponse,
  credentials: { username: string; password: string },
  target: Target,
): Promise<InviteRetry | undefined> {
  const proxy = challenge.status === 407;
  const chosen = selectChallenge(challenge.getAll(proxy ? 'proxy-authenticate' : 'www-authenticate'));
  if (!chosen) return undefined;
  const retry = call.request.clone();
  retry.removeFirst('via');
  retry.set('CSeq', `${call.request.cseq.seq + 1} INVITE`);
  const value = new DigestClient(credentials).authorize(chosen, 'INVITE', retry.uriText, { body: retry.body });
  retry.set(proxy ? 'Proxy-Authorization' : 'Authorization', value);
  return { call: await call.agent.sendInvite(retry, target), algorithm: chosen.algorithm };
}
