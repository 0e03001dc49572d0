/**
 * The load UAS: answers every INVITE with 100 Trying (optional), 180 Ringing and 200 OK, waits for the ACK, and
 * answers the BYE with 200 — one small record per call in a Map by Call-ID, responses built from the request's own
 * header lines. RFC behaviour kept:
 *  - §8.2.6.2 / §12.1.1: responses copy Via, From, To (+ our tag), Call-ID, CSeq, and Record-Route on 18x/2xx.
 *  - §17.2.1: a retransmitted INVITE gets the latest response again.
 *  - §13.3.1.4: the 2xx is retransmitted at T1, doubling up to T2, until the ACK arrives (over TCP too: the 2xx
 *    is retransmitted end to end by the UAS core, not by the transaction); with no ACK within
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
import { contactTransportParam, response, sdpFor, type LoadTransport } from './templates';
import { newLineScan, ReqMethod, scanRequestLines, writeResponse, type LineScan } from './uas-scan';
import { TimerWheel, type WheelOwner } from './timer-wheel';

export interface UasEngineOptions {
  local: Endpoint;
  /** Our Contact asks for this transport (§19.1.1), so the ACK and BYE come back on it. */
  transport: LoadTransport;
  t1Ms: number;
  t2Ms: number;
  /** Send 100 Trying before 180 (default false: SIPp's built-in uas sends 180 and 200 only). */
  trying: boolean;
  /** How long a confirmed call may wait for its BYE before it fails as 'no-bye', ms. */
  byeTimeoutMs: number;
  send: (msg: string | Buffer, port: number, address: string) => void;
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
    readonly final: Buffer,
    readonly receivedAt: number,
  ) {}
}

const TRYING = Buffer.from('SIP/2.0 100 Trying\r\n', 'latin1');
const RINGING = Buffer.from('SIP/2.0 180 Ringing\r\n', 'latin1');
const OK = Buffer.from('SIP/2.0 200 OK\r\n', 'latin1');
const NO_CALL = Buffer.from('SIP/2.0 481 Call/Transaction Does Not Exist\r\n', 'latin1');
const NO_BODY = Buffer.from('Content-Length: 0\r\n\r\n', 'latin1');

export class UasEngine {
  readonly stats = new LoadStats();
  private readonly calls = new Map<string, UasCall>();
  private readonly wheel: TimerWheel<UasCall>;
  private readonly scan: Scan = newScan();
  private readonly lines: LineScan = newLineScan();
  private readonly tagPrefix = `${randomBytes(4).toString('hex')}u`;
  private seq = 0;
  /** What follows the copied lines in the 180 and the 200: Contact, (Content-Type,) Content-Length, body. */
  private readonly ringingTail: Buffer;
  private readonly okTail: Buffer;

  constructor(private readonly o: UasEngineOptions) {
    const contact = `Contact: <sip:sipconf@${formatEndpoint(o.local)}${contactTransportParam(o.transport)}>\r\n`;
    const sdp = sdpFor(o.local.address, 6000);
    this.ringingTail = Buffer.from(`${contact}Content-Length: 0\r\n\r\n`, 'latin1');
    this.okTail = Buffer.from(
      `${contact}Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`,
      'latin1',
    );
    this.wheel = new TimerWheel<UasCall>((c, now) => this.onTimer(c, now));
  }

  get inFlight(): number {
    return this.calls.size;
  }

  /** One datagram from the socket; `at`: when it arrived (default now), for the 2xx → ACK time. */
  onDatagram(data: Buffer, port: number, address: string, at?: number): void {
    const text = data.toString('latin1');
    const r = this.lines;
    if (!scanRequestLines(text, r)) {
      // Not INVITE/ACK/BYE-shaped for the fast reader: the general one decides (and counts) it.
      return this.onOther(text, port, address);
    }
    switch (r.method) {
      case ReqMethod.Invite:
        return this.onInvite(data, text, r, port, address);
      case ReqMethod.Ack: {
        const c = this.calls.get(text.slice(r.callIdValueStart, r.callIdValueEnd));
        if (!c) {
          this.stats.stray++;
          return;
        }
        if (c.state === State.Answered) {
          c.state = State.Confirmed;
          const now = performance.now();
          this.stats.responseTime((at !== undefined && at <= now ? at : now) - c.receivedAt);
          this.wheel.arm(c, this.o.byeTimeoutMs, now);
        }
        return;
      }
      case ReqMethod.Bye: {
        const c = this.calls.get(text.slice(r.callIdValueStart, r.callIdValueEnd));
        const ours =
          r.toTagStart >= 0 &&
          text.startsWith(this.tagPrefix, r.toTagStart) &&
          r.toTagEnd - r.toTagStart > this.tagPrefix.length;
        this.o.send(
          c || ours
            ? writeResponse(OK, data, r, '', false, NO_BODY)
            : writeResponse(NO_CALL, data, r, '', false, NO_BODY),
          port,
          address,
        );
        if (c) {
          // A BYE before the ACK also ends the call (§15.1.2); the missing ACK makes it unclean but not failed.
          this.end(c, undefined);
        } else if (ours) {
          this.stats.retransmissions++;
        } else this.stats.stray++;
        return;
      }
      default:
        return this.onOther(text, port, address);
    }
  }

  /** Responses, CANCEL, OPTIONS, other methods and whatever the fast reader refused. */
  private onOther(text: string, port: number, address: string): void {
    const s = this.scan;
    if (!scanMessage(text, s)) {
      this.stats.unparseable++;
      return;
    }
    if (s.status !== 0) {
      this.stats.stray++; // a response: this engine sends no requests
      return;
    }
    switch (s.method) {
      case 'CANCEL':
      case 'OPTIONS':
        this.o.send(
          response(
            200,
            'OK',
            s.vias,
            s.from,
            s.toTag ? s.to : `${s.to};tag=${this.tagPrefix}0`,
            s.callId,
            s.cseq,
            s.method,
            '',
            '',
          ),
          port,
          address,
        );
        return;
      case 'INVITE':
      case 'ACK':
      case 'BYE':
        // The fast reader refused it (e.g. no From or To): it cannot be answered as a call.
        this.stats.unparseable++;
        return;
      default:
        this.o.send(
          response(
            501,
            'Not Implemented',
            s.vias,
            s.from,
            s.toTag ? s.to : `${s.to};tag=${this.tagPrefix}0`,
            s.callId,
            s.cseq,
            s.method,
            '',
            '',
          ),
          port,
          address,
        );
    }
  }

  private onInvite(data: Buffer, text: string, r: LineScan, port: number, address: string): void {
    const existing = this.calls.get(text.slice(r.callIdValueStart, r.callIdValueEnd));
    if (existing) {
      // §17.2.1: the INVITE was retransmitted; send the latest response again.
      existing.retransmitted = true;
      this.stats.retransmissions++;
      this.o.send(existing.final, port, address);
      return;
    }
    const now = performance.now();
    // A flat copy of the Call-ID (a slice of `text` would keep the whole datagram alive with the call).
    const callId = data.toString('latin1', r.callIdValueStart, r.callIdValueEnd);
    const tag = `${this.tagPrefix}${++this.seq}`;
    if (this.o.trying) this.o.send(writeResponse(TRYING, data, r, '', false, NO_BODY), port, address);
    this.o.send(writeResponse(RINGING, data, r, tag, true, this.ringingTail), port, address);
    const final = writeResponse(OK, data, r, tag, true, this.okTail);
    this.o.send(final, port, address);
    const c = new UasCall(callId, port, address, final, now);
    c.interval = this.o.t1Ms;
    c.ackBy = now + 64 * this.o.t1Ms;
    this.calls.set(callId, c);
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
