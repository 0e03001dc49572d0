/**
 * What every RFC 3261 §17 transaction shares: a state, a set of named timers that are all cleared on termination,
 * and the flow it runs on.
 */
import { EventEmitter } from 'node:events';
import type { Diagnostic } from '../sip/errors';
import type { SipMessage } from '../sip/message';
import type { Endpoint, Flow, TransportProtocol } from '../transport/types';
import type { TimerConfig } from './timers';

/** Where to send a request: an existing flow (RFC 5626: the flow a registration arrived on) or an address. */
export type Target = { flow: Flow } | { remote: Endpoint; transport: TransportProtocol };

/** A message as received, with where it came from and the grammar faults strict parsing found in it. */
export interface Received<M extends SipMessage = SipMessage> {
  message: M;
  flow: Flow;
  /** performance.now() at arrival. */
  at: number;
  /** Strict-mode grammar faults (the message was still usable). */
  violations: Diagnostic[];
}

export type TransactionState =
  'calling' | 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export abstract class Transaction extends EventEmitter {
  state: TransactionState;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  protected constructor(
    initial: TransactionState,
    readonly branch: string,
    protected readonly timerConfig: TimerConfig,
  ) {
    super();
    this.state = initial;
  }

  abstract get flow(): Flow | undefined;

  protected get reliable(): boolean {
    return this.flow?.reliable ?? false;
  }

  protected setTimer(name: string, ms: number, fire: () => void): void {
    this.clearTimer(name);
    const t = setTimeout(() => {
      this.timers.delete(name);
      if (this.state !== 'terminated') fire();
    }, ms);
    this.timers.set(name, t);
  }

  protected clearTimer(name: string): void {
    const t = this.timers.get(name);
    if (t) {
      clearTimeout(t);
      this.timers.delete(name);
    }
  }

  /** Ends the transaction: every timer cleared, 'terminated' emitted once. */
  terminate(): void {
    if (this.state === 'terminated') return;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.state = 'terminated';
    this.emit('terminated');
  }
}
