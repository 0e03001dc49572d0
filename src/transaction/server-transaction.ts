/**
 * Server transactions (RFC 3261 §17.2): INVITE (§17.2.1, with the RFC 6026 Accepted state) and non-INVITE
 * (§17.2.2). A server transaction absorbs request retransmissions by re-sending its last response, retransmits a
 * non-2xx final INVITE response until the ACK (Timers G, H) and absorbs the ACK (Timer I).
 *
 * Events: 'retransmission' (Received<SipRequest>) — the SUT retransmitted the request, with its arrival time so
 * checks can assert the intervals; 'ack' (Received<SipRequest>) — the ACK for a non-2xx final response;
 * 'timeout' — Timer H fired: no ACK for a non-2xx final response (§17.2.1); 'transport-error'; 'terminated'.
 */
import type { Diagnostic } from '../sip/errors';
import { SipRequest, SipResponse } from '../sip/message';
import type { Flow } from '../transport/types';
import { Received, Transaction } from './transaction';
import { TimerConfig, timer } from './timers';

export interface ServerTransactionHost {
  /** Sends a response toward the request's source (§18.2.2): its flow, or a new one if that closed. */
  sendResponse(tx: ServerTransaction, data: Buffer): Promise<void>;
  forget(tx: ServerTransaction): void;
}

export class ServerTransaction extends Transaction {
  readonly method: string;
  /** Arrival times of the request and of each retransmission (performance.now()). */
  readonly arrivals: number[];
  readonly responsesSent: SipResponse[] = [];
  lastResponse?: SipResponse;
  private lastResponseData?: Buffer;
  private retransmits = 0;
  /** For a CANCEL: the INVITE server transaction it cancels (§9.2), when one matched. */
  cancels?: ServerTransaction;

  constructor(
    readonly request: SipRequest,
    private readonly rxFlow: Flow,
    readonly violations: Diagnostic[],
    arrivedAt: number,
    timers: TimerConfig,
    private readonly host: ServerTransactionHost,
  ) {
    super(request.method === 'INVITE' ? 'invite-server' : 'non-invite-server', request.topVia.branch ?? '', timers);
    this.method = request.method;
    this.arrivals = [arrivedAt];
    this.on('terminated', () => host.forget(this));
  }

  get flow(): Flow {
    return this.rxFlow;
  }

  get isInvite(): boolean {
    return this.method === 'INVITE';
  }

  /** Sends a response within this transaction, moving its state machine. */
  async respond(res: SipResponse): Promise<void> {
    if (this.state === 'terminated')
      throw new Error(`transaction ${this.branch} already terminated; cannot send ${res.status}`);
    const data = res.toBuffer();
    const status = res.status;
    if (this.isInvite) {
      if (this.state === 'accepted') {
        // RFC 6026 §7.1: in Accepted, further 2xx (a proxy forwarding retransmissions) are sent; others are not.
        if (status < 200 || status >= 300) return;
      } else if (this.state !== 'proceeding') {
        return;
      }
    } else if (this.state === 'completed') {
      return;
    }
    this.responsesSent.push(res);
    this.lastResponse = res;
    this.lastResponseData = data;
    if (status >= 200) this.onFinal(status);
    else if (!this.isInvite && this.state !== 'proceeding') this.transition('proceeding');
    await this.send(data);
  }

  private onFinal(status: number): void {
    const t = this.timerConfig;
    if (this.isInvite) {
      if (status < 300) {
        if (this.state === 'accepted') return;
        // RFC 6026 §7.1: Accepted for Timer L, absorbing INVITE retransmissions; the 2xx is retransmitted by the
        // UAS core (§13.3.1.4), not by the transaction.
        this.transition('accepted');
        this.setTimer('L', timer.sixtyFourT1(t), () => this.terminate());
        return;
      }
      this.transition('completed');
      if (!this.reliable) this.armTimerG();
      this.setTimer('H', timer.sixtyFourT1(t), () => {
        this.emit('timeout');
        this.terminate();
      });
      return;
    }
    this.transition('completed');
    this.setTimer('J', this.reliable ? 0 : timer.sixtyFourT1(t), () => this.terminate());
  }

  private armTimerG(): void {
    this.setTimer('G', timer.retransmit(this.timerConfig, this.retransmits, true), () => {
      if (this.state !== 'completed' || !this.lastResponseData) return;
      this.retransmits++;
      void this.send(this.lastResponseData);
      this.armTimerG();
    });
  }

  private async send(data: Buffer): Promise<void> {
    try {
      await this.host.sendResponse(this, data);
    } catch (e) {
      if (this.state === 'terminated') return;
      this.emit('transport-error', e as Error);
      this.terminate();
    }
  }

  /** The same request again (§17.2.1, §17.2.2): answer with the last response, if any. */
  receiveRetransmission(rx: Received<SipRequest>): void {
    this.arrivals.push(rx.at);
    this.emit('retransmission', rx);
    if (this.state === 'accepted') return; // RFC 6026: the TU's 2xx retransmissions cover this
    if (this.lastResponseData && (this.state === 'proceeding' || this.state === 'completed'))
      void this.send(this.lastResponseData);
  }

  /** An ACK with this transaction's branch: the ACK for our non-2xx final response (§17.2.1). */
  receiveAck(rx: Received<SipRequest>): void {
    if (this.state !== 'completed') return;
    this.transition('confirmed');
    this.clearTimer('G');
    this.clearTimer('H');
    this.emit('ack', rx);
    this.setTimer('I', timer.t4OrZero(this.timerConfig, this.reliable), () => this.terminate());
    if (this.reliable) this.terminate();
  }
}
