/** The caller's side of an INVITE (UAC): responses, the dialog, ACK, CANCEL and BYE. */
import { SipRequest, SipResponse } from '../sip/message';
import { ClientTransaction } from '../transaction/client-transaction';
import { cancelFor } from '../transaction/derived-requests';
import { Received } from '../transaction/transaction';
import { Dialog } from './dialog';
import { OutgoingRequest } from './outgoing-request';
import type { SipAgent } from './sip-agent';

/** The caller's side of an INVITE: responses, the dialog, ACK, CANCEL and BYE. */
export class OutgoingCall extends OutgoingRequest {
  dialog?: Dialog;
  /** ACK every 2xx (and its retransmissions) as it arrives (§13.2.2.4). Set by ack() or by the caller. */
  autoAck = false;
  /** Number of 2xx responses received (the first and retransmissions), from any path. */
  twoXxCount = 0;
  readonly acksSent: number[] = [];

  constructor(agent: SipAgent, tx: ClientTransaction) {
    super(agent, tx);
  }

  protected override onResponse(rx: Received<SipResponse>): void {
    const res = rx.message;
    if (res.status >= 200 && res.status < 300) {
      this.twoXxCount++;
      if (!this.dialog) this.dialog = Dialog.asUac(this.request, res, rx.flow.reliable ? rx.flow : undefined);
      if (this.autoAck) void this.sendAck().catch(() => undefined);
    }
    super.onResponse(rx);
  }

  /** A 2xx retransmission arriving after the transaction ended (Timer M) still belongs to this call. */
  ownsStray(rx: Received<SipResponse>): boolean {
    const res = rx.message;
    if (res.callId !== this.request.callId || res.cseq.seq !== this.request.cseq.seq || res.cseq.method !== 'INVITE')
      return false;
    this.onResponse(rx);
    return true;
  }

  /** ACK for the 2xx (§13.2.2.4): new branch, same CSeq number, sent end to end via the route set. */
  async ack(opts: { headers?: Array<[string, string | number]> } = {}): Promise<SipRequest> {
    this.autoAck = true;
    return this.sendAck(opts);
  }

  private async sendAck(opts: { headers?: Array<[string, string | number]> } = {}): Promise<SipRequest> {
    if (!this.dialog) throw new Error('no 2xx received yet: nothing to ACK');
    const ack = this.dialog.createRequest('ACK', { cseq: this.request.cseq.seq, headers: opts.headers });
    await this.agent.tx.sendStateless(ack, this.dialog.nextHop());
    this.acksSent.push(performance.now());
    return ack;
  }

  /**
   * CANCEL (§9.1): same Request-URI, Call-ID, To, From, CSeq number and Route as the INVITE, and its top Via
   * (same branch), sent to where the INVITE went.
   */
  async cancel(): Promise<OutgoingRequest> {
    return this.agent.send(cancelFor(this.request), { flow: this.tx.flow });
  }

  /** BYE within the dialog (§15.1.1). */
  async bye(): Promise<OutgoingRequest> {
    if (!this.dialog) throw new Error('no dialog: the call was not answered');
    const req = this.dialog.createRequest('BYE');
    return this.agent.send(req, this.dialog.nextHop());
  }
}
