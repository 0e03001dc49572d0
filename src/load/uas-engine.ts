/**
 * The load UAS: answers every INVITE with 100 Trying (optional), 180 Ringing and 200 OK, waits for the ACK, and
 * answers the BYE with 200 — one small record per call in a Map by Call-ID, responses built from the request's own
 * header lines. RFC behaviour kept:
 *  - §8.2.6.2 / §12.1.1: responses copy Via, From, To (+ our tag), Call-ID, CSeq, and Record-Route on 18x/2xx.
 *  - §17.2.1: a retransmitted INVITE gets the latest response again.
 *  - §13.3.1.4: the 2xx is retransmitted at T1, doubling up to T2, until the ACK arrives; with no ACK within
 *    64·T1 the call fails as 'no-ack'.
 *  - §15.1.2: a BYE ends the call (200); a BYE for a dialog of ours already ended (its To tag is ours) is a
 *    retransmission and gets 200 again, any other BYE 481 (§12.2.2). CANCEL after the final response gets 200
 *    and changes nothing (§9.2); OPTIONS gets 200; other methods 501.
 * Responses go to the request's source address and port (RFC 3581 rport behaviour, which RFC 3261 §18.2.2 also
 * reaches on loopback, where the source is the Via sent-by).
 * A call is clean when the BYE was answered and neither side retransmitted.
 */
import { randomBytes } from 'node:crypto';
import type { Endpoint } from '../transport/types';
import { formatEndpoint } from '../transport/types';
import { LoadStats } from './load-stats';
import { newScan, scanMessage, type Scan } from './sip-scan';
import { response, sdpFor } from './templates';
import { TimerWheel, type WheelOwner } from './timer-wheel';

export interface UasEngineOptions {
  local: Endpoint;
  t1Ms: number;
  t2Ms: number;
  /** Send 100 Trying before 180 (default false: SIPp's built-in uas sends 180 and 200 only). */
  trying: boolean;
  /** How long a confirmed call may wait for its BYE before it fails as 'no-bye', ms. */
  byeTimeoutMs: number;
  send: (msg: string, port: number, address: string) => void;
  onIdle?: () => void;
}

const enum State {
  Answered = 1,
  Confirmed = 2,
}

class UasCall implements WheelOwner {
  timerSeq = 0;
  deadline = Infinity;
  state = State.Answered;
  retransmitted = false;
  interval = 0;
  ackBy = 0;
  constructor(
    readonly callId: string,
    readonly port: number,
    readonly address: string,
    /** The latest response to the INVITE (the 200). */
    readonly final: string,
    readonly receivedAt: number,
  ) {}
}

export class UasEngine {
  readonly stats = new LoadStats();
  private readonly calls = new Map<string, UasCall>();
  private readonly wheel: TimerWheel<UasCall>;
  private readonly scan: Scan = newScan();
  private readonly tagPrefix = `${randomBytes(4).toString('hex')}u`;
  private seq = 0;
  private readonly contact: string;
  private readonly sdp: string;

  constructor(private readonly o: UasEngineOptions) {
    this.contact = `Contact: <sip:sipconf@${formatEndpoint(o.local)}>\r\n`;
    this.sdp = sdpFor(o.local.address, 6000);
    this.wheel = new TimerWheel<UasCall>((c, now) => this.onTimer(c, now));
  }

  get inFlight(): number {
    return this.calls.size;
  }

  onDatagram(data: Buffer, port: number, address: string): void {
    const s = this.scan;
    if (!scanMessage(data.toString('latin1'), s)) {
      this.stats.unparseable++;
      return;
    }
    if (s.status !== 0) {
      this.stats.stray++; // a response: this engine sends no requests
      return;
    }
    switch (s.method) {
      case 'INVITE':
        this.onInvite(s, port, address);
        return;
      case 'ACK': {
        const c = this.calls.get(s.callId);
        if (!c) {
          this.stats.stray++;
          return;
        }
        if (c.state === State.Answered) {
          c.state = State.Confirmed;
          const now = performance.now();
          this.stats.responseTime(now - c.receivedAt);
          this.wheel.arm(c, this.o.byeTimeoutMs, now);
        }
        return;
      }
      case 'BYE': {
        const c = this.calls.get(s.callId);
        const ours = s.toTag.startsWith(this.tagPrefix);
        this.o.send(response(c || ours ? 200 : 481, c || ours ? 'OK' : 'Call/Transaction Does Not Exist', s.vias, s.from, s.to, s.callId, s.cseq, 'BYE', '', ''), port, address);
        if (c) {
          // A BYE before the ACK also ends the call (§15.1.2); the missing ACK makes it unclean but not failed.
          this.end(c, undefined);
        } else if (ours) {
          this.stats.retransmissions++;
        } else this.stats.stray++;
        return;
      }
      case 'CANCEL':
      case 'OPTIONS':
        this.o.send(response(200, 'OK', s.vias, s.from, s.toTag ? s.to : `${s.to};tag=${this.tagPrefix}0`, s.callId, s.cseq, s.method, '', ''), port, address);
        return;
      default:
        this.o.send(response(501, 'Not Implemented', s.vias, s.from, s.toTag ? s.to : `${s.to};tag=${this.tagPrefix}0`, s.callId, s.cseq, s.method, '', ''), port, address);
    }
  }

  private onInvite(s: Scan, port: number, address: string): void {
    const existing = this.calls.get(s.callId);
    if (existing) {
      // §17.2.1: the INVITE was retransmitted; send the latest response again.
      existing.retransmitted = true;
      this.stats.retransmissions++;
      this.o.send(existing.final, port, address);
      return;
    }
    const now = performance.now();
    const to = s.toTag ? s.to : `${s.to};tag=${this.tagPrefix}${++this.seq}`;
    const rr = s.recordRoute.length ? `Record-Route: ${s.recordRoute.join(', ')}\r\n` : '';
    if (this.o.trying) this.o.send(response(100, 'Trying', s.vias, s.from, s.to, s.callId, s.cseq, 'INVITE', '', ''), port, address);
    this.o.send(response(180, 'Ringing', s.vias, s.from, to, s.callId, s.cseq, 'INVITE', rr + this.contact, ''), port, address);
    const final = response(200, 'OK', s.vias, s.from, to, s.callId, s.cseq, 'INVITE', `${rr}${this.contact}Content-Type: application/sdp\r\n`, this.sdp);
    this.o.send(final, port, address);
    const c = new UasCall(s.callId, port, address, final, now);
    c.interval = this.o.t1Ms;
    c.ackBy = now + 64 * this.o.t1Ms;
    this.calls.set(s.callId, c);
    this.stats.started++;
    if (this.calls.size > this.stats.peakInFlight) this.stats.peakInFlight = this.calls.size;
    this.wheel.arm(c, c.interval, now);
  }

  private onTimer(c: UasCall, now: number): void {
    if (c.state === State.Confirmed) {
      this.end(c, 'no-bye');
      return;
    }
    if (now >= c.ackBy - 0.5) {
      this.end(c, 'no-ack');
      return;
    }
    // §13.3.1.4: retransmit the 2xx, T1 doubling up to T2, until the ACK.
    c.retransmitted = true;
    this.stats.retransmissions++;
    this.o.send(c.final, c.port, c.address);
    c.interval = Math.min(c.interval * 2, this.o.t2Ms);
    this.wheel.arm(c, Math.max(1, Math.min(c.interval, c.ackBy - now)), now);
  }

  private end(c: UasCall, failure: string | undefined): void {
    this.wheel.cancel(c);
    this.calls.delete(c.callId);
    if (failure === undefined) {
      this.stats.completed++;
      if (!c.retransmitted && c.state === State.Confirmed) this.stats.clean++;
    } else this.stats.fail(failure);
    if (this.calls.size === 0) this.o.onIdle?.();
  }

  abandon(reason: string): void {
    for (const c of [...this.calls.values()]) this.end(c, reason);
  }

  close(): void {
    this.wheel.stop();
  }
}
