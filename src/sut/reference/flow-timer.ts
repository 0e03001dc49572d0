/**
 * The edge's side of the Flow-Timer (RFC 5626 §4.4.1, §5.4). The Flow-Timer in a REGISTER's 200 is the number of
 * seconds the server is prepared to wait without seeing keep-alives before it could consider the flow dead; the
 * server waits somewhat longer (a grace period for transport delay), and the UA keeps the flow alive by sending a
 * keep-alive at 80–100 % of it. A flow that carried such a registration and then stays silent (no SIP message, no
 * CRLF ping, no STUN request) for Flow-Timer + grace is closed here: requests for its instance then fail over to
 * another flow or get 430 (§5.3, §7), and a UA watching its flow sees it fail and registers again (§4.4.1, §4.5).
 */
import type { TransportLayer } from '../../transport/transport-layer';
import type { Flow, InboundMessage } from '../../transport/types';

export class FlowTimerWatch {
  /** Watched flows and the timer that closes each when it expires; anything heard on a flow restarts its timer. */
  private readonly timers = new Map<Flow, { timer: NodeJS.Timeout; flowTimerS: number }>();
  private readonly onMessage = (m: InboundMessage) => this.heard(m.flow);
  private readonly onPing = (flow: Flow) => this.heard(flow);
  private readonly onClose = (flow: Flow) => this.unwatch(flow);

  constructor(
    private readonly transport: TransportLayer,
    /** How much longer than the Flow-Timer a flow may stay silent. */
    private readonly graceMs: number,
    private readonly log: (line: string) => void,
  ) {
    transport.on('message', this.onMessage);
    transport.on('ping', this.onPing);
    transport.on('flow-close', this.onClose);
  }

  /** Starts (or restarts, with a new Flow-Timer) the watch of a flow whose registration got this Flow-Timer. */
  watch(flow: Flow, flowTimerS: number): void {
    if (flow.closed) return;
    this.unwatch(flow);
    const limitMs = flowTimerS * 1000 + this.graceMs;
    const timer = setTimeout(() => this.expire(flow, limitMs), limitMs);
    timer.unref();
    this.timers.set(flow, { timer, flowTimerS });
  }

  close(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.transport.off('message', this.onMessage);
    this.transport.off('ping', this.onPing);
    this.transport.off('flow-close', this.onClose);
  }

  private heard(flow: Flow): void {
    this.timers.get(flow)?.timer.refresh();
  }

  private unwatch(flow: Flow): void {
    const w = this.timers.get(flow);
    if (!w) return;
    clearTimeout(w.timer);
    this.timers.delete(flow);
  }

  private expire(flow: Flow, limitMs: number): void {
    const w = this.timers.get(flow);
    if (!w) return;
    this.timers.delete(flow);
    this.log(
      `nothing heard on flow ${flow.id} for ${limitMs} ms (Flow-Timer ${w.flowTimerS} s + ${this.graceMs} ms grace): the flow is dead, closing it (RFC 5626 §4.4.1)`,
    );
    void flow.close().catch(() => undefined);
  }
}
