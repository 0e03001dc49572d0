/**
 * One call through the reference B2BUA: two dialogs (RFC 3261 §12) — the caller's leg, where the B2BUA is the UAS,
 * and the callee's leg, a new dialog it starts as UAC with its own Call-ID, tags, Via and Contact. What happens on
 * one leg is mapped onto the other:
 *  - provisional and final responses of the callee leg go to the caller (with the caller leg's own To tag);
 *  - the callee's 2xx is ACKed by the B2BUA itself (§13.2.2.4); the caller's ACK ends the caller leg's 2xx
 *    retransmission (§13.3.1.4); with no ACK within 64·T1 the B2BUA sends BYE on both legs;
 *  - CANCEL from the caller: 200, and a CANCEL of the callee leg's INVITE (§9.1); the callee's 487 goes back;
 *  - in-dialog requests (BYE, re-INVITE, UPDATE, INFO …) go to the other leg; a re-INVITE that crosses the
 *    B2BUA's own pending re-INVITE on that leg gets 491 (§14.2).
 * Each RFC decision is a hook in B2buaDecisions (identity when absent), where the reference SUT's faults
 * (b2bua-faults.ts) install their defects.
 */
import { newCallId, newTag, createResponse } from '../../sip/builders';
import { SipRequest, SipResponse } from '../../sip/message';
import type { Uri } from '../../sip/uri';
import { Dialog } from '../../agent/dialog';
import type { ClientTransaction } from '../../transaction/client-transaction';
import { cancelFor } from '../../transaction/derived-requests';
import type { ServerTransaction } from '../../transaction/server-transaction';
import type { TransactionLayer } from '../../transaction/transaction-layer';
import type { Received, Target } from '../../transaction/transaction';
import type { Flow } from '../../transport/types';

/** The B2BUA's RFC decisions a fault can hook: each receives the RFC's outcome and returns the one to apply. */
export interface B2buaDecisions {
  /** §13.2.2.4: the ACK the B2BUA sends for the callee's 2xx; undefined sends none. */
  ackCallee2xx(ack: SipRequest | undefined): SipRequest | undefined;
  /** §15.1.1: whether a BYE on one leg makes the B2BUA send BYE on the other. */
  forwardBye(forward: boolean): boolean;
  /** RFC 3262 §4: the PRACK for the callee's reliable provisional response; undefined sends none. */
  prackCallee(prack: SipRequest | undefined): SipRequest | undefined;
  /** §9.1: whether the caller's CANCEL makes the B2BUA cancel the callee leg's INVITE. */
  cancelCalleeLeg(cancel: boolean): boolean;
  /** §13.3.1.4: whether a 2xx never ACKed within 64·T1 ends both legs with BYE. */
  byeOnAckTimeout(bye: boolean): boolean;
  /** §8.1.1.7: the Via header fields of the callee leg's INVITE (only the B2BUA's own), given the caller's. */
  calleeVias(vias: string[], callerVias: string[]): string[];
  /** §14.2: the status for a re-INVITE that crosses the B2BUA's own pending re-INVITE on that leg. */
  glareStatus(status: number): number;
  /** RFC 3264 §8.4: whether a re-INVITE goes to the other leg (true) or is answered with the old SDP. */
  relayReinvite(relay: boolean): boolean;
  /** §22.3, §20.27: the Proxy-Authenticate challenges of the 407 to a local caller's INVITE. */
  challenges(values: string[]): string[];
  /** §22.4: whether the INVITE's Proxy-Authorization lets it through, given the digest verdict's failure reason. */
  acceptCredentials(accept: boolean, failure: string | undefined): boolean;
  /** §12.2.2: the status for a request in a dialog the B2BUA does not know. */
  unknownDialogStatus(status: number): number;
}

/** Applies a decision hook, or keeps the RFC's outcome when none is installed. */
export function decide<K extends keyof B2buaDecisions>(
  decisions: Partial<B2buaDecisions>,
  key: K,
  ...args: Parameters<B2buaDecisions[K]>
): ReturnType<B2buaDecisions[K]> {
  const hook = decisions[key] as ((...a: unknown[]) => unknown) | undefined;
  return (hook ? hook(...args) : args[0]) as ReturnType<B2buaDecisions[K]>;
}

/** What a call needs from the B2BUA node. */
export interface B2buaHost {
  readonly tx: TransactionLayer;
  readonly decisions: Partial<B2buaDecisions>;
  /** Our Contact on a flow's transport. */
  contact(flow: Flow): string;
  log(line: string): void;
  /** Index a leg's dialog (Call-ID + local tag) so in-dialog requests find the call; forget all at the end. */
  index(key: string, call: B2buaCall, leg: Leg): void;
  forget(call: B2buaCall): void;
}

export interface Leg {
  name: 'caller' | 'callee';
  dialog?: Dialog;
  /** An INVITE the B2BUA sent on this leg is waiting for its final response (for §14.2 glare). */
  invitePending: boolean;
}

/**
 * Headers that carry the session's meaning across legs (SDP type, session timers, events). Supported/Require are
 * not carried: the B2BUA answers for its own extensions on each leg (it does not offer 100rel to a callee).
 */
const CARRIED = ['content-type', 'session-expires', 'min-se', 'event'];

export class B2buaCall {
  readonly caller: Leg = { name: 'caller', invitePending: false };
  readonly callee: Leg = { name: 'callee', invitePending: false };
  private readonly callerTag = newTag();
  private calleeInvite?: SipRequest;
  private calleeTx?: ClientTransaction;
  private answered = false;
  private ended = false;
  /** CANCEL arrived before the callee sent any provisional response: sent on the first one (§9.1). */
  private cancelPending = false;
  /** RSeq values of the callee's reliable provisionals already PRACKed (RFC 3262 §4). */
  private readonly pracked = new Set<number>();

  constructor(
    private readonly host: B2buaHost,
    private readonly callerTx: ServerTransaction,
  ) {}

  private decide<K extends keyof B2buaDecisions>(
    key: K,
    ...args: Parameters<B2buaDecisions[K]>
  ): ReturnType<B2buaDecisions[K]> {
    return decide(this.host.decisions, key, ...args);
  }

  /** Starts the callee leg toward `target` with `requestUri` (a binding's Contact, or the trunk). */
  async start(requestUri: Uri | string, target: Target): Promise<void> {
    const a = this.callerTx.request;
    await this.callerTx.respond(createResponse(a, 100)).catch(() => undefined);
    const b = new SipRequest('INVITE', requestUri.toString());
    // §16-style forwarding is not what a B2BUA does: a new request, only the caller's identity and session carried.
    b.append('Max-Forwards', Math.max(0, (safe(() => a.maxForwards) ?? 70) - 1));
    const from = a.from.clone();
    from.params.set('tag', newTag());
    b.append('From', from.toString());
    const to = a.to.clone();
    to.params.delete('tag');
    b.append('To', to.toString());
    b.append('Call-ID', newCallId('b2bua'));
    b.append('CSeq', '1 INVITE');
    copyHeaders(a, b);
    // RFC 3262 §4: the B2BUA, as the callee leg's UAC, accepts reliable provisional responses and PRACKs them.
    b.append('Supported', '100rel');
    if (a.body.length) b.setBody(a.body);
    const flow = await this.host.tx.resolve(target);
    b.append('Contact', this.host.contact(flow));
    for (const v of this.decide('calleeVias', [this.host.tx.createVia(flow).toString()], a.getAll('via')))
      b.append('Via', v);
    const tx = await this.host.tx.sendRequest(b, { flow });
    this.calleeInvite = b;
    this.calleeTx = tx;
    tx.on('response', (rx: Received<SipResponse>) => void this.onCalleeResponse(rx).catch((e: Error) => this.oops(e)));
    tx.on('timeout', () => void this.answerCaller(408));
    tx.on('transport-error', () => void this.answerCaller(503));
    this.host.log(`b2bua: call ${a.callId} → callee leg ${b.callId} to ${requestUri.toString()}`);
  }

  private oops(e: Error): void {
    this.host.log(`b2bua: internal error: ${e.stack ?? e.message}`);
  }

  /** A response on the callee leg's INVITE transaction (2xx retransmissions included, RFC 6026 Accepted). */
  private async onCalleeResponse(rx: Received<SipResponse>): Promise<void> {
    const res = rx.message;
    if (res.status < 200) {
      if (this.cancelPending) {
        this.cancelPending = false;
        await this.cancelCallee();
      }
      if (res.get('rseq') !== undefined && res.optionTags('require').includes('100rel')) await this.prackCallee(res);
      if (res.status > 100 && !this.answered) await this.answerCaller(res.status, res);
      return;
    }
    if (res.status >= 300) {
      await this.answerCaller(res.status, res);
      this.end();
      return;
    }
    this.callee.dialog ??= Dialog.asUac(this.calleeInvite!, res, rx.flow.reliable ? rx.flow : undefined);
    this.host.index(key(this.callee.dialog), this, this.callee);
    await this.ackCallee(res);
    if (!this.answered) await this.answerCaller(res.status, res);
  }

  /** RFC 3262 §4: a PRACK for each reliable provisional of the callee leg, in the early dialog it created. */
  private async prackCallee(res: SipResponse): Promise<void> {
    const rseq = Number(res.get('rseq'));
    if (!Number.isInteger(rseq) || this.pracked.has(rseq)) return; // a retransmission of one already PRACKed
    this.pracked.add(rseq);
    const early = Dialog.asUac(this.calleeInvite!, res);
    early.localSeq = this.calleeInvite!.cseq.seq + this.pracked.size - 1;
    const req = early.createRequest('PRACK', {
      headers: [['RAck', `${rseq} ${this.calleeInvite!.cseq.seq} INVITE`]],
    });
    const send = this.decide('prackCallee', req);
    if (send) await this.host.tx.sendRequest(send, early.nextHop()).catch(() => undefined);
  }

  /** §13.2.2.4: the B2BUA, as the callee leg's UAC, ACKs each 2xx (retransmissions too). */
  async ackCallee(res: SipResponse): Promise<void> {
    if (!this.callee.dialog) return;
    const ack = this.decide('ackCallee2xx', this.callee.dialog.createRequest('ACK', { cseq: res.cseq.seq }));
    if (ack) await this.host.tx.sendStateless(ack, this.callee.dialog.nextHop()).catch(() => undefined);
  }

  /** A response to the caller's INVITE with the caller leg's To tag; a 2xx starts its retransmission (§13.3.1.4). */
  private async answerCaller(status: number, from?: SipResponse): Promise<void> {
    if (this.answered || this.callerTx.state === 'terminated') return;
    const a = this.callerTx.request;
    const res = createResponse(a, status, { toTag: this.callerTag, ...(from?.reason ? { reason: from.reason } : {}) });
    if (from) carryBody(from, res);
    if (status >= 200) this.answered = true;
    if (status > 100 && status < 300) res.append('Contact', this.host.contact(this.callerTx.flow));
    if (status < 200 || status >= 300) {
      await this.callerTx.respond(res).catch(() => undefined);
      return;
    }
    const flow = this.callerTx.flow;
    this.caller.dialog = Dialog.asUas(a, this.callerTag, flow.reliable ? flow : undefined);
    this.host.index(key(this.caller.dialog), this, this.caller);
    const twoXx = await this.host.tx.respond2xx(this.callerTx, res);
    void twoXx.acked.then((acked) => {
      if (acked || this.ended) return;
      this.host.log(`b2bua: no ACK for the 2xx to ${a.callId} within 64·T1: BYE on both legs (§13.3.1.4)`);
      if (this.decide('byeOnAckTimeout', true)) void this.byeBoth();
    });
  }

  /** CANCEL of the caller's INVITE (§9.2): 200 to it, and a CANCEL of the callee leg's INVITE (§9.1). */
  async cancel(stx: ServerTransaction): Promise<void> {
    await stx.respond(createResponse(stx.request, 200)).catch(() => undefined);
    if (this.answered || !this.calleeInvite || !this.calleeTx) return;
    if (this.calleeTx.state === 'calling') this.cancelPending = true;
    else await this.cancelCallee();
  }

  private async cancelCallee(): Promise<void> {
    if (!this.decide('cancelCalleeLeg', true)) return;
    await this.host.tx.sendRequest(cancelFor(this.calleeInvite!), { flow: this.calleeTx!.flow }).catch(() => undefined);
  }

  /** A request inside one leg's dialog: answered, and mapped onto the other leg. */
  async inDialog(stx: ServerTransaction, from: Leg): Promise<void> {
    const req = stx.request;
    const to = from === this.caller ? this.callee : this.caller;
    if (from.dialog) from.dialog.remoteSeq = req.cseq.seq;
    if (req.method === 'BYE') {
      await stx.respond(createResponse(req, 200)).catch(() => undefined);
      if (!this.decide('forwardBye', true)) return;
      await this.send(to, 'BYE');
      this.end();
      return;
    }
    if (req.method === 'INVITE' && from.invitePending) {
      // §14.2: an INVITE arriving while ours on this dialog is pending: 491 (the fault answers 500 instead).
      const status = this.decide('glareStatus', 491);
      await stx.respond(createResponse(req, status)).catch(() => undefined);
      return;
    }
    if (!to.dialog) {
      await stx.respond(createResponse(req, 481)).catch(() => undefined);
      return;
    }
    if (req.method === 'INVITE' && !this.decide('relayReinvite', true)) {
      // The defect: a 200 with the session as it was, the new offer (hold, codec change) never reaching the other leg.
      const res = createResponse(req, 200, { body: this.lastAnswerTo(from), contentType: 'application/sdp' });
      res.append('Contact', this.host.contact(stx.flow));
      await this.host.tx.respond2xx(stx, res);
      return;
    }
    await this.relay(stx, to);
  }

  /** Sends a request in `to`'s dialog carrying `stx`'s body and headers, and answers `stx` with its final response. */
  private async relay(stx: ServerTransaction, to: Leg): Promise<void> {
    const req = stx.request;
    const out = to.dialog!.createRequest(req.method);
    copyHeaders(req, out);
    if (req.body.length) out.setBody(req.body);
    if (req.method === 'INVITE') to.invitePending = true;
    let tx: ClientTransaction;
    try {
      const flow = await this.host.tx.resolve(to.dialog!.nextHop());
      if (req.method === 'INVITE' || req.method === 'UPDATE') out.append('Contact', this.host.contact(flow));
      tx = await this.host.tx.sendRequest(out, { flow });
    } catch {
      to.invitePending = false;
      await stx.respond(createResponse(req, 503)).catch(() => undefined);
      return;
    }
    tx.on('timeout', () => void stx.respond(createResponse(req, 408)).catch(() => undefined));
    tx.on(
      'response',
      (rx: Received<SipResponse>) =>
        void this.relayResponse(stx, to, out, rx.message).catch((e: Error) => this.oops(e)),
    );
  }

  private async relayResponse(stx: ServerTransaction, to: Leg, sent: SipRequest, res: SipResponse): Promise<void> {
    const req = stx.request;
    if (res.status >= 200) to.invitePending = false;
    if (req.method === 'INVITE' && res.status >= 200 && res.status < 300) {
      const ack = to.dialog!.createRequest('ACK', { cseq: sent.cseq.seq });
      await this.host.tx.sendStateless(ack, to.dialog!.nextHop()).catch(() => undefined);
      if (stx.state !== 'proceeding' && stx.state !== 'trying') return; // a retransmitted 2xx: ACKed again only
    }
    if (res.status === 100 || stx.state === 'terminated' || stx.state === 'completed') return;
    const answer = createResponse(req, res.status, { ...(res.reason ? { reason: res.reason } : {}) });
    carryBody(res, answer);
    for (const h of ['Session-Expires', 'Require']) {
      const v = res.get(h);
      if (v !== undefined) answer.set(h, v);
    }
    if (req.method === 'INVITE' && res.status >= 200 && res.status < 300) {
      answer.append('Contact', this.host.contact(stx.flow));
      await this.host.tx.respond2xx(stx, answer);
      return;
    }
    await stx.respond(answer).catch(() => undefined);
  }

  /** The SDP the B2BUA last gave a leg: the body of its 2xx on that leg's INVITE. */
  private lastAnswerTo(leg: Leg): Buffer {
    return leg === this.caller
      ? (this.callerTx.lastResponse?.body ?? Buffer.alloc(0))
      : (this.calleeInvite?.body ?? Buffer.alloc(0));
  }

  private async send(leg: Leg, method: string): Promise<void> {
    if (!leg.dialog) return;
    const req = leg.dialog.createRequest(method);
    await this.host.tx.sendRequest(req, leg.dialog.nextHop()).catch(() => undefined);
  }

  private async byeBoth(): Promise<void> {
    await Promise.all([this.send(this.caller, 'BYE'), this.send(this.callee, 'BYE')]);
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    // Keep the dialogs indexed a little while: retransmitted BYEs and 2xx still find the call (Timer J / 64·T1).
    setTimeout(() => this.host.forget(this), 64 * this.host.tx.timers.t1).unref();
  }
}

export function key(d: Dialog): string {
  return `${d.callId}|${d.localTag}`;
}

function copyHeaders(from: SipRequest, to: SipRequest): void {
  for (const h of CARRIED) for (const v of from.getAll(h)) to.append(h === 'content-type' ? 'Content-Type' : cap(h), v);
}

function carryBody(from: SipResponse, to: SipResponse): void {
  if (from.body.length === 0) return;
  to.setBody(from.body, from.get('content-type'));
}

function cap(h: string): string {
  return h.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()).replace('Min-Se', 'Min-SE');
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
