/**
 * The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): a 2xx to INVITE is re-sent at T1, doubling up to T2,
 * until the ACK arrives, and abandoned after 64·T1. It is end to end, so it runs over reliable transports too.
 *
 * Events: 'done' (acked: boolean).
 */
import { EventEmitter } from 'node:events';
import type { SipResponse } from '../sip/message';
import { TimerConfig, timer } from './timers';

export class TwoXxRetransmission extends EventEmitter {
  /** performance.now() of each send, the first included. */
  readonly sends: number[] = [];
  ackedAt?: number;
  /** Resolves true when the ACK arrived, false after 64·T1 without it (or when stopped). */
  readonly acked: Promise<boolean>;
  private resolveAcked!: (v: boolean) => void;
  private retransmitTimer?: NodeJS.Timeout;
  private giveUpTimer?: NodeJS.Timeout;
  private count = 0;
  private finished = false;

  constructor(
    readonly response: SipResponse,
    private readonly timers: TimerConfig,
    private readonly sendData: (data: Buffer) => Promise<void>,
  ) {
    super();
    this.acked = new Promise((resolve) => (this.resolveAcked = resolve));
  }

  /** Called after the first send of the 2xx. */
  start(): void {
    this.sends.push(performance.now());
    const data = this.response.toBuffer();
    const arm = () => {
      this.retransmitTimer = setTimeout(
        () => {
          if (this.finished) return;
          this.count++;
          this.sends.push(performance.now());
          void this.sendData(data).catch(() => undefined);
          arm();
        },
        timer.retransmit(this.timers, this.count, true),
      );
    };
    arm();
    this.giveUpTimer = setTimeout(() => this.finish(false), timer.sixtyFourT1(this.timers));
  }

  get retransmissions(): number {
    return Math.max(0, this.sends.length - 1);
  }

  ack(at: number): void {
    if (this.finished) return;
    this.ackedAt = at;
    this.finish(true);
  }

  stop(): void {
    this.finish(false);
  }

  private finish(acked: boolean): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.retransmitTimer);
    clearTimeout(this.giveUpTimer);
    this.resolveAcked(acked);
    this.emit('done', acked);
  }
}
