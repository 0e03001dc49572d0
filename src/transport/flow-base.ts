/**
 * What every flow shares: identity, the trace, and fault injection (silence, delay, drop, duplicate) applied on
 * both the send and the delivery path. UDP and stream flows add only their socket I/O.
 */
import type { Trace, TraceKind } from './trace';
import type { TransportEvents } from './transport-events';
import { formatEndpoint, TransportError } from './types';
import type { Endpoint, FaultDirection, Flow, FlowCloseReason, TransportProtocol } from './types';

/** What a flow needs from the layer that owns it. */
export interface FlowHost {
  readonly trace: Trace;
  readonly agent?: string;
  /** Answer CRLFCRLF pings and STUN Binding requests (RFC 5626 §3.5.1, §4.4.2). */
  readonly autoPong: boolean;
  /** A whole SIP message arrived (after faults). */
  deliver(flow: BaseFlow, data: Buffer): void;
  /** Emit a layer event without ever throwing into a socket handler. */
  notify<E extends keyof TransportEvents>(event: E, ...args: TransportEvents[E]): void;
  /** The flow is closed: forget it, stop its keep-alive, emit 'flow-close'. */
  flowClosed(flow: BaseFlow, reason: FlowCloseReason): void;
}

/** Inbound units a flow can receive; the fault logic treats them alike, the flow handles them apart. */
export type Inbound =
  | { kind: 'sip'; data: Buffer }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'pong'; data: Buffer }
  | { kind: 'stun'; data: Buffer };

let flowSeq = 0;

export abstract class BaseFlow implements Flow {
  readonly id: string;
  abstract readonly reliable: boolean;
  private closedReason?: FlowCloseReason;
  private silenced = false;
  private delayMs = 0;
  private dropIn = 0;
  private dropOut = 0;
  private dropAny = 0;
  private duplicates = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Sends waiting out an injected delay: released (and then rejected) when the flow closes. */
  private readonly sleepers = new Set<() => void>();
  /** Monotonic send times of pings not yet answered (RTT of the first is reported on the pong). */
  protected pingsOutstanding: number[] = [];

  constructor(
    readonly transport: TransportProtocol,
    readonly local: Endpoint,
    readonly remote: Endpoint,
    protected readonly host: FlowHost,
  ) {
    this.id = `${transport}:${formatEndpoint(local)}-${formatEndpoint(remote)}#${++flowSeq}`;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get closeReason(): FlowCloseReason | undefined {
    return this.closedReason;
  }

  // ---- socket I/O, per transport ----
  /** Hand bytes to the socket; resolves when the kernel took them. */
  protected abstract write(data: Buffer): Promise<void>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
  abstract reset(): void;
  /** Handle one inbound unit after faults were applied (trace already recorded). */
  protected abstract handle(unit: Inbound): void;

  // ---- send path ----
  async send(data: Buffer, kind: TraceKind = 'sip'): Promise<void> {
    if (this.closed)
      throw new TransportError(`cannot send on ${this.id}: flow is closed (${this.closedReason})`, this.id);
    if (this.silenced) {
      this.record('out', 'fault', data, `swallowed (silence): ${kind}`);
      return;
    }
    if (kind === 'sip' && this.takeDrop('out')) {
      this.record('out', 'fault', data, 'dropped (drop out)');
      return;
    }
    let copies = 1;
    if (kind === 'sip' && this.duplicates > 0) {
      this.duplicates--;
      copies = 2;
    }
    const delayed = this.delayMs;
    if (delayed > 0) {
      await this.sleep(delayed);
      if (this.closed)
        throw new TransportError(`cannot send on ${this.id}: flow closed during the injected delay`, this.id);
    }
    for (let i = 0; i < copies; i++) {
      const note =
        delayed > 0
          ? i > 0
            ? `delayed ${delayed}ms, duplicate`
            : `delayed ${delayed}ms`
          : i > 0
            ? 'duplicate'
            : undefined;
      // Recorded when handed to the socket, so the trace keeps wire order even when the peer is in this process.
      const written = this.write(data);
      this.record('out', kind, data, note);
      await written;
    }
  }

  // ---- receive path ----
  /** Called by the socket handler for every inbound unit. Never throws. */
  receive(unit: Inbound): void {
    if (this.closed) return;
    const kind = traceKind(unit);
    if (this.silenced) {
      this.record('in', 'fault', unit.data, `swallowed (silence): ${kind}`);
      return;
    }
    if (unit.kind === 'sip' && this.takeDrop('in')) {
      this.record('in', 'fault', unit.data, 'dropped (drop in)');
      return;
    }
    const delayed = this.delayMs;
    const run = (): void => {
      if (this.closed) return;
      this.record('in', kind, unit.data, delayed > 0 ? `delayed ${delayed}ms` : undefined);
      try {
        this.handle(unit);
      } catch (err) {
        this.host.notify('handler-error', err, `${unit.kind} on flow ${this.id}`);
      }
    };
    if (delayed > 0) this.later(delayed, run);
    else run();
  }

  // ---- fault injection ----
  silence(on = true): void {
    this.fault(on ? 'silence on' : 'silence off');
    this.silenced = on;
  }

  delay(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`delay(${ms}): ms must be >= 0`);
    this.fault(ms > 0 ? `delay ${ms}ms` : 'delay off');
    this.delayMs = ms;
  }

  drop(n: number, direction: FaultDirection = 'both'): void {
    if (!(n >= 0) || !Number.isInteger(n)) throw new RangeError(`drop(${n}): n must be a non-negative integer`);
    this.fault(`drop ${n} ${direction}`);
    if (direction === 'in') this.dropIn = n;
    else if (direction === 'out') this.dropOut = n;
    else this.dropAny = n;
  }

  duplicate(n: number): void {
    if (!(n >= 0) || !Number.isInteger(n)) throw new RangeError(`duplicate(${n}): n must be a non-negative integer`);
    this.fault(`duplicate ${n}`);
    this.duplicates = n;
  }

  // ---- helpers for subclasses and the layer ----
  /** Marks the flow closed once, clears its timers and tells the layer. Returns false if it already was. */
  protected markClosed(reason: FlowCloseReason): boolean {
    if (this.closedReason) return false;
    this.closedReason = reason;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    this.pingsOutstanding = [];
    this.host.flowClosed(this, reason);
    return true;
  }

  /** Record an injected fault (kind 'fault', no bytes). */
  protected fault(note: string): void {
    this.record('out', 'fault', Buffer.alloc(0), note);
  }

  /** Record a fault observed on the flow, caused by the peer or the network ('remote reset', 'remote close',
   *  'keepalive timeout ...'): kind 'fault', direction 'in'. */
  remoteFault(note: string): void {
    this.record('in', 'fault', Buffer.alloc(0), note);
  }

  protected record(direction: 'in' | 'out', kind: TraceKind, data: Buffer, note?: string): void {
    // One object shape for every entry (agent/note may be undefined): cheap on the hot path under load.
    this.host.trace.record({
      direction,
      transport: this.transport,
      local: this.local,
      remote: this.remote,
      flowId: this.id,
      kind,
      data,
      agent: this.host.agent,
      note,
    });
  }

  /** A pong (CRLF or STUN success) arrived: report the RTT of the oldest unanswered ping (NaN if unsolicited). */
  protected pongReceived(mapped?: Endpoint): void {
    const sent = this.pingsOutstanding.shift();
    this.pingsOutstanding = [];
    const rtt = sent === undefined ? Number.NaN : performance.now() - sent;
    if (mapped === undefined) this.host.notify('pong', this, rtt);
    else this.host.notify('pong', this, rtt, mapped);
  }

  private takeDrop(direction: 'in' | 'out'): boolean {
    if (direction === 'in' && this.dropIn > 0) return (this.dropIn--, true);
    if (direction === 'out' && this.dropOut > 0) return (this.dropOut--, true);
    if (this.dropAny > 0) return (this.dropAny--, true);
    return false;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      this.later(ms, wake);
    });
  }

  toString(): string {
    return this.id;
  }
}

function traceKind(unit: Inbound): TraceKind {
  return unit.kind === 'sip' ? 'sip' : unit.kind === 'stun' ? 'stun' : 'keepalive';
}
