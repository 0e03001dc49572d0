/** A request an agent sent in a client transaction, with its responses queued for expectations. */
import { SipRequest, SipResponse, describe } from '../sip/message';
import { ClientTransaction } from '../transaction/client-transaction';
import { Received } from '../transaction/transaction';
import { Duration } from './duration';
import { ExpectationError, Inbox } from './expectation';
import type { SipAgent } from './sip-agent';

/** A request we sent, with its responses queued for expectations. */
export class OutgoingRequest {
  readonly responses: Inbox<Received<SipResponse>>;

  constructor(
    readonly agent: SipAgent,
    readonly tx: ClientTransaction,
  ) {
    this.responses = new Inbox<Received<SipResponse>>((r) => describe(r.message));
    tx.on('response', (rx: Received<SipResponse>) => this.onResponse(rx));
    tx.on(
      'timeout',
      () =>
        (this.failure = `no final response to ${tx.method} within 64·T1 = ${64 * agent.timers.t1} ms (Timer ${tx.isInvite ? 'B' : 'F'}, RFC 3261 §17.1)`),
    );
    tx.on(
      'transport-error',
      (e: Error) => (this.failure = `transport error sending ${tx.method}: ${e.message} (RFC 3261 §8.1.3.1)`),
    );
  }

  /** Why the transaction failed without a final response (timeout, transport error). */
  failure?: string;

  get request(): SipRequest {
    return this.tx.request;
  }

  protected onResponse(rx: Received<SipResponse>): void {
    this.responses.push(rx);
  }

  /**
   * The next response whose status matches: a code (200), a class ('2xx'), 'final', 'provisional' or a predicate.
   * Provisional responses that do not match are skipped when waiting for a final one.
   */
  async expectResponse(status: StatusMatch, opts: { within?: Duration } = {}): Promise<Received<SipResponse>> {
    const within = this.agent.ms(opts.within ?? (this.tx.isInvite ? '64*T1' : '64*T1'));
    const match = statusMatcher(status);
    const what = `${this.agent.name} expected ${statusLabel(status)} to ${this.tx.method}`;
    try {
      return await this.responses.expect((r) => match(r.message.status), within, what);
    } catch (e) {
      if (e instanceof ExpectationError && this.failure)
        throw new ExpectationError(`${what}: ${this.failure}`, e.arrived);
      throw e;
    }
  }

  /** The final response, whatever its status. */
  final(opts: { within?: Duration } = {}): Promise<Received<SipResponse>> {
    return this.expectResponse('final', opts);
  }

  closeInbox(): void {
    this.responses.clear();
  }
}

export type StatusMatch =
  number | `${1 | 2 | 3 | 4 | 5 | 6}xx` | 'final' | 'provisional' | ((status: number) => boolean);

function statusMatcher(s: StatusMatch): (status: number) => boolean {
  if (typeof s === 'function') return s;
  if (typeof s === 'number') return (x) => x === s;
  if (s === 'final') return (x) => x >= 200;
  if (s === 'provisional') return (x) => x < 200;
  const cls = Number(s[0]);
  return (x) => Math.floor(x / 100) === cls;
}

function statusLabel(s: StatusMatch): string {
  if (typeof s === 'function') return 'a matching response';
  if (typeof s === 'number') return `a ${s} response`;
  return `a ${s} response`;
}
