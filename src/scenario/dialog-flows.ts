/**
 * Building blocks for checks on what happens inside a call (RFC 3261 §12–§15, RFC 3264 §8.4): an answered and
 * ACKed call between alice and bob through the SUT, and in-dialog requests from either side, each a reported
 * step whose failure names the RFC section.
 */
import type { Dialog } from '../agent/dialog';
import { ackReinvite, sendInDialog } from '../agent/in-dialog';
import type { IncomingRequest } from '../agent/incoming-request';
import type { OutgoingCall } from '../agent/outgoing-call';
import type { OutgoingRequest } from '../agent/outgoing-request';
import type { SipAgent } from '../agent/sip-agent';
import type { Received } from '../transaction/transaction';
import type { SipResponse } from '../sip/message';
import type { CheckContext } from './context';
import { Party, caller, expectAtCaller, inviteThroughSut, reachableParty } from './flows';

export interface EstablishedCall {
  alice: SipAgent;
  bob: Party;
  call: OutgoingCall;
  inv: IncomingRequest;
  /** Each side's view of its dialog (through a B2BUA these are two different dialogs). */
  aliceDialog: Dialog;
  bobDialog: Dialog;
}

/** Alice calls bob through the SUT; bob answers 200, alice ACKs, and the ACK (or the B2BUA's own) reaches bob. */
export async function establishCall(ctx: CheckContext): Promise<EstablishedCall> {
  const bob = await reachableParty(ctx, 'bob');
  const alice = await caller(ctx, 'alice');
  const { call, inv } = await inviteThroughSut(ctx, alice, bob);
  const bobDialog = await ctx.step('bob answers 200 OK', () => inv.accept());
  await expectAtCaller(ctx, call, 200, 'RFC 3261 §16.7, §13.3.1.4');
  await ctx.step('alice ACKs the 200 (§13.2.2.4)', () => call.ack());
  await ctx.step('bob receives an ACK for his 200', () =>
    bob.agent
      .expect('ACK', { within: '64*T1' })
      .catch(ctx.unmet((d) => `no ACK reached bob for his 200 OK: ${d} (RFC 3261 §13.2.2.4)`)),
  );
  return { alice, bob, call, inv, aliceDialog: call.dialog!, bobDialog };
}

/** `from` sends `method` in its dialog; the final response is returned (a failure names `rfc`). */
export async function requestInDialog(
  ctx: CheckContext,
  from: SipAgent,
  dialog: Dialog,
  method: string,
  rfc: string,
  opts: { body?: string; headers?: Array<[string, string | number]> } = {},
): Promise<{ out: OutgoingRequest; final: () => Promise<Received<SipResponse>> }> {
  const out = await ctx.step(`${from.name} sends ${method} in the dialog`, () =>
    sendInDialog(from, dialog, method, opts),
  );
  // Waited for only when asked (responses queue meanwhile), so a check that fails first leaves nothing pending.
  const final = () =>
    out
      .final({ within: '64*T1' })
      .catch(ctx.unmet((d) => `no final response to ${from.name}'s ${method}: ${d} (${rfc})`));
  return { out, final };
}

/** The peer receives the in-dialog request, or the check fails naming `rfc`. */
export async function expectInDialog(
  ctx: CheckContext,
  at: SipAgent,
  method: string,
  rfc: string,
): Promise<IncomingRequest> {
  return ctx.step(`${at.name} receives the ${method} from the SUT`, () =>
    at
      .expect(method, { within: '64*T1' })
      .catch(ctx.unmet((d) => `the ${method} did not reach ${at.name}: ${d} (${rfc})`)),
  );
}

/** ACKs a 2xx to a re-INVITE that `from` sent (§13.2.2.4). */
export function ackInDialog(from: SipAgent, dialog: Dialog, out: OutgoingRequest): Promise<void> {
  return ackReinvite(from, dialog, out.request.cseq.seq);
}
