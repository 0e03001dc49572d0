/**
 * What every RFC 3261 §17 transaction shares: a state that changes only through transition(), which refuses a move
 * the §17 state machine (with RFC 6026's Accepted) does not have; a set of named timers that are all cleared on
 * termination; and the flow it runs on.
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

export type TransactionKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';

/**
 * The moves of each state machine, besides the move to Terminated that every state has (a timer, a transport
 * error): RFC 3261 Figures 5–8 (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2) as RFC 6026 §7 amends them.
 */
const MOVES: Record<TransactionKind, Partial<Record<TransactionState, readonly TransactionState[]>>> = {
  'invite-client': { calling: ['proceeding', 'completed', 'accepted'], proceeding: ['completed', 'accepted'] },
  'non-invite-client': { trying: ['proceeding', 'completed'], proceeding: ['completed'] },
  'invite-server': { proceeding: ['completed', 'accepted'], completed: ['confirmed'] },
  'non-invite-server': { trying: ['proceeding', 'completed'], proceeding: ['completed'] },
};

/** The first state of each kind of transaction. */
const INITIAL: Record<TransactionKind, TransactionState> = {
  'invite-client': 'calling',
  'non-invite-client': 'trying',
  'invite-server': 'proceeding',
  'non-invite-server': 'trying',
};

/** A state change the RFC 3261 §17 state machine does not allow: a bug in the transaction code, never the peer's. */
export class InvalidTransitionError extends Error {
  constructor(
    readonly kind: TransactionKind,
    readonly from: TransactionState,
    readonly to: TransactionState,
  ) {
    super(`invalid ${kind} transaction transition ${from} → ${to} (RFC 3261 §17)`);
    this.name = 'InvalidTransitionError';
  }
}

export abstract class Transaction extends EventEmitter {
  private current: TransactionState;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  protected constructor(
    readonly kind: TransactionKind,
    readonly branch: string,
    protected readonly timerConfig: TimerConfig,
  ) {
    super();
    this.current = INITIAL[kind];
  }

  get state(): TransactionState {
    return this.current;
  }

  /** The one way the state changes; throws InvalidTransitionError on a move the state machine does not have. */
  protected transition(to: TransactionState): void {
    const from = this.current;
    const allowed = from !== 'terminated' && (to === 'terminated' || !!MOVES[this.kind][from]?.includes(to));
    if (!allowed) throw new InvalidTransitionError(this.kind, from, to);
    this.current = to;
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
    this.transition('terminated');
    this.emit('terminated');
  }
}
