/**
 * The load UAC: places calls (INVITE → 100?/180? → 200 → ACK → [hold] → BYE → 200) or registrations
 * (REGISTER → 200) over one UDP socket or one TCP connection, as a lean state machine per call on a pool of reusable call records.
 * RFC behaviour is kept where a load peer needs it:
 *  - INVITE client transaction (§17.1.1.2): Timer A retransmits at T1, 2·T1, … until a response arrives; Timer B
 *    (64·T1) ends the call as 'timeout-invite'. A final response must come within 64·T1 after a provisional one
 *    too ('timeout-final') so every call ends in bounded time.
 *  - ACK for a non-2xx is hop-by-hop with the INVITE's branch (§17.1.1.3); ACK for a 2xx is end to end, a new
 *    branch, the dialog's route set and remote target (§13.2.2.4), and is sent again for every 2xx retransmission.
 *  - BYE and REGISTER are non-INVITE transactions (§17.1.2.2): Timer E retransmits at T1 doubling up to T2,
 *    Timer F (64·T1) ends them as 'timeout-bye' / 'timeout-register'.
 * A call is clean when it completed and nothing was retransmitted by either side (our requests, their 2xx).
 *  - 'outbound' (RFC 5626): REGISTER with +sip.instance and reg-id (§4.2), then STUN keep-alives on the flow every
 *    `keepaliveMs` while the registration is held (§4.4.2, §8); a Binding request unanswered for
 *    `keepaliveTimeoutMs` fails it as 'keepalive-timeout' (§4.4.1); then REGISTER with Expires 0 removes the binding.
 * Responses are matched to calls by Call-ID (which carries the call record's slot and generation) and CSeq method:
 * every call has at most one INVITE, one BYE or one REGISTER transaction, so this is the §17.1.3 match.
 */
import { randomBytes } from 'node:crypto';
import { decodeStun, encodeBindingRequest, isStun, STUN_BINDING_SUCCESS } from '../transport/stun';
import type { Endpoint } from '../transport/types';
import { LoadStats } from './load-stats';
import { newScan, scanMessage, type Scan } from './sip-scan';
import { TimerWheel, type WheelOwner } from './timer-wheel';
import { UacTemplates, uacRouteHeaders, type LoadTransport } from './templates';

export type UacScenario = 'call' | 'register' | 'outbound';

export interface UacEngineOptions {
  local: Endpoint;
  target: Endpoint;
  scenario: UacScenario;
  t1Ms: number;
  t2Ms: number;
  /** 'tcp': a reliable transport, so no Timer A/E retransmissions (§17.1.1.2, §17.1.2.2); Timers B/F still bound
   *  every transaction, and a retransmitted 2xx is still ACKed (§13.2.2.4: the UAS core retransmits it anyway). */
  transport: LoadTransport;
  /** Pause between ACK and BYE (the call's length), ms. */
  holdMs: number;
  /** Request-URI user of the INVITE (SIPp's -s; default "service"). */
  service: string;
  /** Domain for REGISTER (default the target's address). */
  domain: string;
  /** REGISTER: this many distinct users (user0 … userN-1), round robin. */
  users: number;
  /** REGISTER: the Expires asked for, seconds. */
  expires: number;
  /** outbound: STUN keep-alive interval while a registration is held, ms. */
  keepaliveMs: number;
  /** outbound: a ping without its pong for this long fails the registration (RFC 5626 §4.4.1: 10 s). */
  keepaliveTimeoutMs: number;
  send: (msg: string | Buffer) => void;
  onIdle?: () => void;
}

const enum State {
  Free = 0,
  Calling = 1,
  Proceeding = 2,
  Holding = 3,
  ByeSent = 4,
  RegisterSent = 5,
  KeepAlive = 6,
  UnregisterSent = 7,
}

class UacCall implements WheelOwner {
  timerSeq = 0;
  deadline = Infinity;
  gen = 0;
  state = State.Free;
  callId = '';
  tag = '';
  branch = '';
  /** The request being retransmitted (INVITE, BYE, REGISTER) and the ACK for the 2xx. */
  /** Strings while short-lived; the ACK and the BYE of a held call are Buffers, so that they do not keep the
   *  received 2xx alive (V8 substrings point into their parent string). */
  request: string | Buffer = '';
  ack: string | Buffer = '';
  /** When the current transaction started and when it gives up (Timer B/F). */
  txStart = 0;
  txEnd = 0;
  interval = 0;
  retransmitted = false;
  bye: string | Buffer | undefined;
  user = '';
  holdEnd = 0;
  pingOutstanding = false;
  pingSentAt = 0;
  nextPingAt = 0;
  constructor(readonly slot: number) {}
}

export class UacEngine {
  readonly stats = new LoadStats();
  private readonly pool: UacCall[] = [];
  private readonly free: number[] = [];
  private readonly wheel: TimerWheel<UacCall>;
  private readonly tpl: UacTemplates;
  private readonly runTag = randomBytes(4).toString('hex');
  private readonly suffix: string;
  private readonly scan: Scan = newScan();
  private seq = 0;
  private readonly reliable: boolean;
  inFlight = 0;

  constructor(private readonly o: UacEngineOptions) {
    this.tpl = new UacTemplates(o.local, o.target, o.service, o.domain, o.transport);
    this.reliable = o.transport !== 'udp';
    this.suffix = `.${this.runTag}@sipconf`;
    this.wheel = new TimerWheel<UacCall>((c, now) => this.onTimer(c, now));
  }

  /** Starts one call (or registration). */
  start(now = performance.now()): void {
    let c: UacCall;
    const slot = this.free.pop();
    if (slot === undefined) {
      c = new UacCall(this.pool.length);
      this.pool.push(c);
    } else c = this.pool[slot]!;
    c.gen++;
    this.seq++;
    c.callId = `${c.slot}.${c.gen}${this.suffix}`;
    c.tag = `${this.runTag}${c.slot}x${c.gen}`;
    c.retransmitted = false;
    c.bye = undefined;
    c.ack = '';
    this.inFlight++;
    if (this.inFlight > this.stats.peakInFlight) this.stats.peakInFlight = this.inFlight;
    this.stats.started++;
    if (this.o.scenario !== 'call') {
      c.branch = `${this.runTag}.${c.slot}.${c.gen}.r`;
      c.user = `user${this.seq % this.o.users}`;
      c.request =
        this.o.scenario === 'outbound'
          ? this.tpl.registerOutbound(c.branch, c.tag, c.callId, c.user, 1, this.o.expires, this.instance(c))
          : this.tpl.register(c.branch, c.tag, c.callId, c.user, 1, this.o.expires);
      this.beginTx(c, State.RegisterSent, now);
    } else {
      c.branch = `${this.runTag}.${c.slot}.${c.gen}.i`;
      c.request = this.tpl.invite(c.branch, c.tag, c.callId);
      this.beginTx(c, State.Calling, now);
    }
  }

  private beginTx(c: UacCall, state: State, now: number): void {
    c.state = state;
    c.txStart = now;
    c.txEnd = now + 64 * this.o.t1Ms;
    c.interval = this.o.t1Ms;
    this.o.send(c.request);
    // Over a reliable transport only Timer B/F runs: the next firing is the timeout.
    this.wheel.arm(c, this.reliable ? 64 * this.o.t1Ms : c.interval, now);
  }

  /** RFC 5626 §4.1: one +sip.instance per registering UA (here: per call record and generation). */
  private instance(c: UacCall): string {
    return `<urn:uuid:${this.runTag}-0000-4000-8000-${String(c.slot).padStart(6, '0')}${String(c.gen % 1e6).padStart(6, '0')}>`;
  }

  /** One datagram from the socket; `at`: when it arrived (default now), for response times. */
  onDatagram(data: Buffer, at?: number): void {
    if (isStun(data)) return this.onStun(data);
    const s = this.scan;
    if (!scanMessage(data.toString('latin1'), s) || s.status === 0) {
      if (!s.ok) this.stats.unparseable++;
      else this.stats.stray++; // a request to a UAC-only engine: nothing to answer in load mode
      return;
    }
    const c = this.lookup(s.callId);
    if (!c) {
      this.stats.stray++;
      return;
    }
    const now = performance.now();
    const arrived = at !== undefined && at <= now ? at : now;
    const status = s.status;
    switch (s.cseqMethod) {
      case 'INVITE':
        return this.onInviteResponse(c, s, now, arrived);
      case 'BYE':
        if (c.state !== State.ByeSent || status < 200) return;
        this.finish(c, status < 300 ? undefined : `bye-status-${status}`);
        return;
      case 'REGISTER':
        if (status < 200) return;
        if (c.state === State.RegisterSent) {
          this.stats.responseTime(arrived - c.txStart);
          if (status >= 300) return this.finish(c, `status-${status}`);
          if (this.o.scenario !== 'outbound') return this.finish(c, undefined);
          // Held: keep-alives until the hold ends, then the binding is removed.
          c.state = State.KeepAlive;
          c.holdEnd = now + this.o.holdMs;
          c.pingOutstanding = false;
          c.nextPingAt = now + this.o.keepaliveMs;
          this.wheel.arm(c, Math.max(1, Math.min(this.o.keepaliveMs, this.o.holdMs)), now);
        } else if (c.state === State.UnregisterSent) {
          this.finish(c, status < 300 ? undefined : `unregister-status-${status}`);
        }
        return;
      default:
        this.stats.stray++;
    }
  }

  /** A response to the call's INVITE (§17.1.1, §13.2.2.4): ACK, then BYE (after the hold) or finish. */
  private onInviteResponse(c: UacCall, s: Scan, now: number, arrived: number): void {
    const status = s.status;
    if (c.state === State.Calling || c.state === State.Proceeding) {
      if (status < 200) {
        // §17.1.1.2: a provisional response stops Timer A; the final must still come in bounded time.
        if (c.state === State.Calling) {
          c.state = State.Proceeding;
          this.wheel.arm(c, Math.max(1, c.txEnd - now), now);
        }
        return;
      }
      this.stats.responseTime(arrived - c.txStart);
      if (status < 300) {
        // The dialog (§12.1.2): remote target from the Contact, route set from the Record-Route, remote tag in To.
        const routes = uacRouteHeaders(s.recordRoute);
        c.branch = `${this.runTag}.${c.slot}.${c.gen}.b`;
        const ack = this.tpl.inDialog(
          'ACK',
          1,
          `${this.runTag}.${c.slot}.${c.gen}.a`,
          c.tag,
          c.callId,
          s.to,
          s.contact,
          routes,
        );
        const bye = this.tpl.inDialog('BYE', 2, c.branch, c.tag, c.callId, s.to, s.contact, routes);
        c.request = '';
        const held = this.o.holdMs > 0;
        c.ack = held ? Buffer.from(ack, 'latin1') : ack;
        c.bye = held ? Buffer.from(bye, 'latin1') : bye;
        this.o.send(c.ack);
        if (this.o.holdMs > 0) {
          c.state = State.Holding;
          this.wheel.arm(c, this.o.holdMs, now);
        } else this.sendBye(c, now);
      } else {
        this.o.send(this.tpl.ackNon2xx(c.branch, c.tag, c.callId, s.to));
        this.finish(c, `status-${status}`);
      }
    } else if (status >= 200 && status < 300 && c.ack !== '') {
      // §13.2.2.4: every retransmission of the 2xx gets the ACK again.
      c.retransmitted = true;
      this.stats.retransmissions++;
      this.o.send(c.ack);
    }
  }

  private sendBye(c: UacCall, now: number): void {
    c.request = c.bye!;
    this.beginTx(c, State.ByeSent, now);
  }

  /** A STUN Binding success: the pong of one registration's keep-alive (RFC 5626 §4.4.2). */
  private onStun(data: Buffer): void {
    const m = decodeStun(data);
    if (!m || m.type !== STUN_BINDING_SUCCESS) {
      this.stats.stray++;
      return;
    }
    const t = m.transactionId;
    const c = this.pool[t.readUInt32BE(0)];
    if (!c || c.gen !== t.readUInt32BE(4) || t.readUInt32BE(8) !== this.stunTag) {
      this.stats.stray++;
      return;
    }
    // The pong of a ping sent just before the registration moved on (to its removal): late, not stray.
    if (c.state !== State.KeepAlive) return;
    c.pingOutstanding = false;
  }

  private readonly stunTag = randomBytes(4).readUInt32BE(0);

  private sendPing(c: UacCall): void {
    const tid = Buffer.allocUnsafe(12);
    tid.writeUInt32BE(c.slot, 0);
    tid.writeUInt32BE(c.gen >>> 0, 4);
    tid.writeUInt32BE(this.stunTag, 8);
    c.pingOutstanding = true;
    this.o.send(encodeBindingRequest(tid));
  }

  private onTimer(c: UacCall, now: number): void {
    switch (c.state) {
      case State.KeepAlive: {
        if (c.pingOutstanding && now - c.pingSentAt >= this.o.keepaliveTimeoutMs - 0.5)
          return this.finish(c, 'keepalive-timeout');
        if (now >= c.holdEnd - 0.5) {
          // RFC 3261 §10.2.2: Expires 0 removes the binding.
          c.branch = `${this.runTag}.${c.slot}.${c.gen}.u`;
          c.request = this.tpl.registerOutbound(c.branch, c.tag, c.callId, c.user, 2, 0, this.instance(c));
          this.beginTx(c, State.UnregisterSent, now);
          return;
        }
        // A ping still waiting for its pong delays the next one (one outstanding ping per flow).
        if (!c.pingOutstanding && now >= c.nextPingAt - 0.5) {
          this.sendPing(c);
          c.pingSentAt = now;
          c.nextPingAt = now + this.o.keepaliveMs;
        }
        const next = Math.min(
          c.nextPingAt,
          c.holdEnd,
          c.pingOutstanding ? c.pingSentAt + this.o.keepaliveTimeoutMs : Infinity,
        );
        this.wheel.arm(c, Math.max(1, next - now), now);
        return;
      }
      case State.Holding:
        this.sendBye(c, now);
        return;
      case State.Proceeding:
        this.finish(c, 'timeout-final');
        return;
      case State.Calling:
      case State.ByeSent:
      case State.RegisterSent:
      case State.UnregisterSent: {
        if (now >= c.txEnd - 0.5) {
          this.finish(
            c,
            c.state === State.Calling
              ? 'timeout-invite'
              : c.state === State.ByeSent
                ? 'timeout-bye'
                : 'timeout-register',
          );
          return;
        }
        if (this.reliable) {
          this.wheel.arm(c, Math.max(1, c.txEnd - now), now); // a timer wheel tick early: wait out Timer B/F
          return;
        }
        c.retransmitted = true;
        this.stats.retransmissions++;
        this.o.send(c.request);
        // Timer A doubles without a cap (§17.1.1.2); Timer E is capped at T2 (§17.1.2.2).
        c.interval = c.state === State.Calling ? c.interval * 2 : Math.min(c.interval * 2, this.o.t2Ms);
        this.wheel.arm(c, Math.max(1, Math.min(c.interval, c.txEnd - now)), now);
        return;
      }
      default:
        return;
    }
  }

  private finish(c: UacCall, failure: string | undefined): void {
    this.wheel.cancel(c);
    c.state = State.Free;
    c.request = '';
    c.ack = '';
    c.bye = undefined;
    this.inFlight--;
    if (failure === undefined) {
      this.stats.completed++;
      if (!c.retransmitted) this.stats.clean++;
    } else this.stats.fail(failure);
    this.free.push(c.slot);
    if (this.inFlight === 0) this.o.onIdle?.();
  }

  /** "<slot>.<gen>.<runTag>@sipconf" → the live call record, or undefined. */
  private lookup(callId: string): UacCall | undefined {
    if (!callId.endsWith(this.suffix)) return undefined;
    let i = 0;
    let slot = 0;
    let code = callId.charCodeAt(i);
    while (code >= 48 && code <= 57) {
      slot = slot * 10 + (code - 48);
      code = callId.charCodeAt(++i);
    }
    if (code !== 46 || i === 0) return undefined;
    let gen = 0;
    const genStart = ++i;
    code = callId.charCodeAt(i);
    while (code >= 48 && code <= 57) {
      gen = gen * 10 + (code - 48);
      code = callId.charCodeAt(++i);
    }
    if (i === genStart || i !== callId.length - this.suffix.length) return undefined;
    const c = this.pool[slot];
    return c && c.gen === gen && c.state !== State.Free ? c : undefined;
  }

  /** Ends every call still in flight with `reason` (the run's drain bound passed). */
  abandon(reason: string): void {
    for (const c of this.pool) if (c.state !== State.Free) this.finish(c, reason);
  }

  close(): void {
    this.wheel.stop();
  }
}
