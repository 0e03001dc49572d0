/**
 * Guarded state changes: every transaction moves only along its RFC 3261 §17 state machine (Figures 5–8, with
 * RFC 6026's Accepted); any other move is a bug in our transaction code and throws InvalidTransitionError.
 */
import { ClientTransaction } from '../../src/transaction/client-transaction';
import { ServerTransaction } from '../../src/transaction/server-transaction';
import { InvalidTransitionError, TransactionState } from '../../src/transaction/transaction';
import { TIMERS, Wire, fakeFlow, request } from './support';

/** Subclasses that expose the protected transition() so a test can attempt any move. */
class ProbeClient extends ClientTransaction {
  move(to: TransactionState): void {
    this.transition(to);
  }
}
class ProbeServer extends ServerTransaction {
  move(to: TransactionState): void {
    this.transition(to);
  }
}

const client = (method: string) =>
  new ProbeClient(request(method), fakeFlow('reliable'), TIMERS, new Wire().clientHost());
const server = (method: string) =>
  new ProbeServer(request(method), fakeFlow('reliable'), [], 0, TIMERS, new Wire().serverHost());

/** Walks a path of moves from the initial state, then attempts `to`. */
function attempt(make: () => ProbeClient | ProbeServer, path: TransactionState[], to: TransactionState): void {
  const tx = make();
  for (const s of path) tx.move(s);
  tx.move(to);
}

const ALL: TransactionState[] = ['calling', 'trying', 'proceeding', 'completed', 'confirmed', 'accepted', 'terminated'];

/** Each machine: how to make it, and for each state reachable (by a path), the moves the RFC allows from it. */
const MACHINES: Array<[string, () => ProbeClient | ProbeServer, Array<[TransactionState[], TransactionState[]]>]> = [
  [
    'INVITE client (Figure 5, RFC 6026 Figure 3)',
    () => client('INVITE'),
    [
      [[], ['proceeding', 'completed', 'accepted', 'terminated']],
      [['proceeding'], ['completed', 'accepted', 'terminated']],
      [['completed'], ['terminated']],
      [['accepted'], ['terminated']],
    ],
  ],
  [
    'non-INVITE client (Figure 6)',
    () => client('OPTIONS'),
    [
      [[], ['proceeding', 'completed', 'terminated']],
      [['proceeding'], ['completed', 'terminated']],
      [['completed'], ['terminated']],
    ],
  ],
  [
    'INVITE server (Figure 7, RFC 6026 Figure 5)',
    () => server('INVITE'),
    [
      [[], ['completed', 'accepted', 'terminated']],
      [['completed'], ['confirmed', 'terminated']],
      [['completed', 'confirmed'], ['terminated']],
      [['accepted'], ['terminated']],
    ],
  ],
  [
    'non-INVITE server (Figure 8)',
    () => server('OPTIONS'),
    [
      [[], ['proceeding', 'completed', 'terminated']],
      [['proceeding'], ['completed', 'terminated']],
      [['completed'], ['terminated']],
    ],
  ],
];

describe.each(MACHINES)('%s', (_name, make, table) => {
  for (const [path, allowed] of table) {
    const from = path.at(-1) ?? 'the initial state';
    test(`from ${from}: allows ${allowed.join(', ')}; any other move throws`, () => {
      for (const to of ALL) {
        if (allowed.includes(to)) expect(() => attempt(make, path, to)).not.toThrow();
        else expect(() => attempt(make, path, to)).toThrow(InvalidTransitionError);
      }
    });
  }

  test('nothing leaves Terminated', () => {
    for (const to of ALL) expect(() => attempt(make, ['terminated'], to)).toThrow(InvalidTransitionError);
  });
});

test('the error names the kind of transaction and the move', () => {
  expect(() => attempt(() => client('INVITE'), [], 'confirmed')).toThrow(
    'invalid invite-client transaction transition calling → confirmed (RFC 3261 §17)',
  );
});

test('terminate() is idempotent: a second call is no move at all', () => {
  const tx = client('OPTIONS');
  tx.terminate();
  expect(() => tx.terminate()).not.toThrow();
  expect(tx.state).toBe('terminated');
});
