/**
 * Keep-alive pings of RFC 5626 §4.4.1 for the flows of one transport layer: every intervalMs a ping (CRLFCRLF on
 * streams, STUN Binding on UDP); when no pong arrives within timeoutMs of the first unanswered ping, the flow is
 * reported as timed out and its pings stop. The caller decides what a failed flow means (RFC 5626 §4.4.1: treat it
 * as failed, re-register).
 */
import type { BaseFlow } from './flow-base';
import type { Flow } from './types';
import { TransportError } from './types';

export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
}

interface KeepaliveState {
  interval: NodeJS.Timeout;
  timeout?: NodeJS.Timeout;
}

export class Keepalives {
  private readonly running = new Map<string, KeepaliveState>();

  /** `timedOut` is called once when a flow's ping went unanswered for timeoutMs. */
  constructor(private readonly timedOut: (flow: Flow) => void) {}

  start(flow: Flow, opts: KeepaliveOptions): void {
    if (!(opts.intervalMs > 0) || !(opts.timeoutMs > 0))
      throw new RangeError(`startKeepalive: intervalMs and timeoutMs must be > 0`);
    this.stop(flow.id);
    if (flow.closed) throw new TransportError(`startKeepalive on ${flow.id}: flow is closed`, flow.id);
    const state: KeepaliveState = {
      interval: setInterval(() => {
        if (flow.closed) {
          this.stop(flow.id);
          return;
        }
        flow.ping().catch(() => undefined);
        state.timeout ??= setTimeout(() => {
          this.stop(flow.id);
          (flow as BaseFlow).remoteFault(`keepalive timeout: no pong within ${opts.timeoutMs} ms (RFC 5626 §4.4.1)`);
          this.timedOut(flow);
        }, opts.timeoutMs);
      }, opts.intervalMs),
    };
    this.running.set(flow.id, state);
  }

  /** A pong arrived on the flow: its pending timeout is cancelled. */
  pong(flowId: string): void {
    const state = this.running.get(flowId);
    if (state?.timeout) {
      clearTimeout(state.timeout);
      delete state.timeout;
    }
  }

  stop(flowId: string): void {
    const state = this.running.get(flowId);
    if (!state) return;
    clearInterval(state.interval);
    if (state.timeout) clearTimeout(state.timeout);
    this.running.delete(flowId);
  }

  stopAll(): void {
    for (const id of [...this.running.keys()]) this.stop(id);
  }
}
