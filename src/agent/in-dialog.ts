/**
 * Requests inside an established dialog (RFC 3261 §12.2.1.1, §14): a re-INVITE (a target refresh and a new
 * offer, ACKed end to end on its 2xx, §13.2.2.4), UPDATE (RFC 3311), INFO and any other method, from either side
 * of the dialog. The §14.1 glare back-off is here too.
 */
import type { Target } from '../transaction/transaction';
import type { Dialog } from './dialog';
import type { OutgoingRequest } from './outgoing-request';
import type { SipAgent } from './sip-agent';

export interface InDialogOptions {
  body?: string;
  contentType?: string;
  headers?: Array<[string, string | number]>;
}

/** Sends `method` in `dialog`; INVITE and UPDATE carry our Contact (target refresh, §12.2.1.1, RFC 3311 §5.1). */
export async function sendInDialog(
  agent: SipAgent,
  dialog: Dialog,
  method: string,
  opts: InDialogOptions = {},
): Promise<OutgoingRequest> {
  const req = dialog.createRequest(method, { headers: opts.headers });
  const hop: Target = dialog.nextHop();
  const transport = 'flow' in hop ? hop.flow.transport : hop.transport;
  if (method === 'INVITE' || method === 'UPDATE') req.append('Contact', agent.contact(transport).toString());
  if (opts.body !== undefined) req.setBody(opts.body, opts.contentType ?? 'application/sdp');
  return agent.send(req, hop);
}

/** The ACK for a 2xx to a re-INVITE (§13.2.2.4): same CSeq number, method ACK, end to end. */
export async function ackReinvite(agent: SipAgent, dialog: Dialog, cseq: number): Promise<void> {
  const ack = dialog.createRequest('ACK', { cseq });
  await agent.tx.sendStateless(ack, dialog.nextHop());
}

/**
 * §14.1: after a 491, the UAC waits a random time before retrying — 2.1 to 4 s in steps of 10 ms if it owns the
 * Call-ID (it generated it), else 0 to 2 s. Returns the delay in ms.
 */
export function glareRetryDelay(ownsCallId: boolean): number {
  const steps = ownsCallId ? Math.floor(Math.random() * 191) + 210 : Math.floor(Math.random() * 201);
  return steps * 10;
}
