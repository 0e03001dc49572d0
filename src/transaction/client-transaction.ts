/**
 * Client transactions (RFC 3261 §17.1): INVITE (§17.1.1, with the RFC 6026 Accepted state) and non-INVITE
 * (§17.1.2). A client transaction retransmits its request over unreliable transports, times out with Timer B/F,
 * ACKs non-2xx final responses itself (same branch, hop by hop) and passes responses to its user.
 *
 * Events: 'response' (Received<SipResponse>) for every response passed up — provisional, final, and 2xx
 * retransmissions in the Accepted state; 'timeout' (Timer B or F); 'transport-error' (Error, §8.1.3.1 / §17.1.4);
 * 'terminated'.
 */
import { SipRequest, SipResponse } from '../sip/message';
import type { Flow } from '../transport/types';
import { ackForNon2xx } from './derived-requests';
import { Received, Transaction } from './transaction';
import { TimerConfig, timer } from './timers';

/**
 * Extension points at the RFC decisions of a client transaction. Each hook receives what the RFC prescribes and
 * returns what the transaction does instead; without a hook the transaction does what the RFC says.
 */
export interface ClientTransactionHooks {
  /** §17.1.1.3: the ACK an INVITE client transaction sends for a non-2xx final response; undefined sends none. */
  ackForNon2xx(ack: SipRequest | undefined, response: SipResponse): SipRequest | undefined;
  /**
   * §17.1.1.2 (Timer A) and §17.1.2.2 (Timer E): the interval before the next retransmission of the request, given
   * the RFC's (T1·2^n; E capped at T2, and T2 once Proceeding).
   */
  retransmitInterval(interval: number, info: { timer: 'A' | 'E'; retransmits: number; t1: number }): number;
}

export interface ClientTransactionHost {
  /** Sends bytes on the transaction's flow (the layer records them in the trace). */
  sendOn(flow: Flow, data: Buffer): Promise<void>;
  /** Called once when the transaction ends, so the layer forgets it. */
  forget(tx: ClientTransaction): void;
}

export class ClientTransaction extends Transaction {
  readonly method: string;
  /** Every response received, in order, with arrival times (for checks on SUT timing). */
  readonly responses: Array<Received<SipResponse>> = [];
  /** Send times (performance.now()) of the request and each retransmission. */
  readonly sends: number[] = [];
  finalResponse?: SipResponse;
  private ack?: Buffer;
  private retransmits = 0;

  constructor(
    readonly request: SipRequest,
    private readonly txFlow: Flow,
    timers: TimerConfig,
    private readonly host: ClientTransactionHost,
    private readonly hooks: Partial<ClientTransactionHooks> = {},
  ) {
    super(request.method === 'INVITE' ? 'invite-client' : 'non-invite-client', request.topVia.branch ?? '', timers);
    this.method = request.method;
  }

  get flow(): Flow {
    return this.txFlow;
  }

  get isInvite(): boolean {
    return this.method === 'INVITE';
  }

  /** Sends the request and arms Timers A/B (INVITE) or E/F (non-INVITE). */
  async start(): Promise<void> {
    this.on('terminated', () => this.host.forget(this));
    const data = this.request.toBuffer();
    if (!this.reliable) this.armRetransmit(data);
    this.setTimer(this.isInvite ? 'B' : 'F', timer.sixtyFourT1(this.timerConfig), () => {
      this.emit('timeout');
      this.terminate();
    });
    await this.transmit(data);
  }

  private armRetransmit(data: Buffer): void {
    // Timer A doubles without bound; Timer E doubles up to T2 (and stays at T2 once Proceeding, §17.1.2.2).
    const interval = this.isInvite
      ? timer.retransmit(this.timerConfig, this.retransmits, false)
      : this.state === 'proceeding'
        ? this.timerConfig.t2
        : timer.retransmit(this.timerConfig, this.retransmits, true);
    const which = this.isInvite ? 'A' : 'E';
    const hook = this.hooks.retransmitInterval;
    const next = hook
      ? hook(interval, { timer: which, retransmits: this.retransmits, t1: this.timerConfig.t1 })
      : interval;
    this.setTimer(which, next, () => {
      if (this.state !== 'calling' && this.state !== 'trying' && this.state !== 'proceeding') return;
      if (this.isInvite && this.state !== 'calling') return; // Timer A only runs in Calling
      this.retransmits++;
      void this.transmit(data);
      this.armRetransmit(data);
    });
  }

  private async transmit(data: Buffer): Promise<void> {
    this.sends.push(performance.now());
    try {
      await this.host.sendOn(this.txFlow, data);
    } catch (e) {
      if (this.state === 'terminated') return;
      this.emit('transport-error', e as Error);
      this.terminate();
    }
  }

  /** A response matched to this transaction by the layer (§17.1.3). */
  receive(rx: Received<SipResponse>): void {
    const res = rx.message;
    this.responses.push(rx);
    const status = res.status;
    switch (this.state) {
      case 'calling':
      case 'trying':
      case 'proceeding':
        if (status < 200) {
          if (this.state !== 'proceeding') this.transition('proceeding');
          // §17.1.1.2: Timers A and B run in Calling only; in Proceeding an INVITE waits for its final response
          // (a proxy bounds the wait with Timer C, §16.8). A non-INVITE keeps Timers E and F (§17.1.2.2).
          if (this.isInvite) {
            this.clearTimer('A');
            this.clearTimer('B');
          }
          this.emit('response', rx);
          return;
        }
        this.finalResponse = res;
        this.clearTimer(this.isInvite ? 'A' : 'E');
        this.clearTimer(this.isInvite ? 'B' : 'F');
        if (this.isInvite && status < 300) {
          // RFC 6026 §7.2: Accepted — 2xx retransmissions are passed to the TU (which ACKs each) for Timer M.
          this.transition('accepted');
          this.setTimer('M', timer.sixtyFourT1(this.timerConfig), () => this.terminate());
          this.emit('response', rx);
          return;
        }
        if (this.isInvite) {
          // §17.1.1.3: ACK the non-2xx final response ourselves, then wait Timer D absorbing retransmissions.
          this.transition('completed');
          this.sendAck(res);
          this.emit('response', rx);
          this.setTimer('D', timer.d(this.timerConfig, this.reliable), () => this.terminate());
          if (this.reliable) this.terminate();
          return;
        }
        this.transition('completed');
        this.emit('response', rx);
        this.setTimer('K', timer.t4OrZero(this.timerConfig, this.reliable), () => this.terminate());
        if (this.reliable) this.terminate();
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.emit('response', rx);
        return;
      case 'completed':
        // A retransmitted final response: re-send the ACK (INVITE), otherwise absorb it.
        if (this.isInvite && status >= 300 && this.ack)
          void this.host.sendOn(this.txFlow, this.ack).catch(() => undefined);
        return;
      default:
        return;
    }
  }

  /**
   * §17.1.1.3: the ACK for a non-2xx final response has the Request-URI, Call-ID, From, CSeq number, the single top
   * Via (same branch) and Route of the INVITE, the To of the response, and method ACK.
   */
  private sendAck(res: SipResponse): void {
    const rfcAck = ackForNon2xx(this.request, res);
    const ack = this.hooks.ackForNon2xx ? this.hooks.ackForNon2xx(rfcAck, res) : rfcAck;
    if (!ack) return;
    this.ack = ack.toBuffer();
    void this.host.sendOn(this.txFlow, this.ack).catch(() => undefined);
  }
}
