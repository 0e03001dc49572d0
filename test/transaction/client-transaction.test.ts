/**
 * Client transactions (RFC 3261 §17.1) on a fake host under jest's fake timers, at the RFC's default timers
 * (T1 500 ms, T2 4 s, T4 5 s): Timers A, B, D (INVITE, §17.1.1.2), E, F, K (non-INVITE, §17.1.2.2) and M (RFC 6026
 * §7.2), over unreliable and reliable transports.
 */
import { TIMERS, TRANSPORTS, gaps, received, response, settle, startClient } from './support';

const T1 = TIMERS.t1;
const T2 = TIMERS.t2;
const T4 = TIMERS.t4;

beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

describe('INVITE client transaction (§17.1.1)', () => {
  test('unreliable: Timer A retransmits at T1, 2·T1, 4·T1 ... without a cap at T2; Timer B times out at 64·T1', async () => {
    const { tx, wire } = startClient('INVITE', 'unreliable');
    const timeouts: number[] = [];
    tx.on('timeout', () => timeouts.push(Date.now()));
    const t0 = Date.now();
    await jest.advanceTimersByTimeAsync(64 * T1 - 1);
    expect(tx.state).toBe('calling');
    const sends = wire.times('INVITE');
    expect(sends).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(gaps(sends)).toEqual([T1, 2 * T1, 4 * T1, 8 * T1, 16 * T1, 32 * T1]); // 8·T1 and 16·T1 exceed T2
    expect(timeouts).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(timeouts).toEqual([t0 + 64 * T1]);
    expect(tx.state).toBe('terminated');
    expect(wire.forgotten).toBe(1);
  });

  test('reliable: no Timer A retransmission; Timer B still times out at 64·T1', async () => {
    const { tx, wire } = startClient('INVITE', 'reliable');
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    await jest.advanceTimersByTimeAsync(64 * T1 - 1);
    expect(wire.times('INVITE')).toEqual([0]);
    expect(timedOut).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(timedOut).toBe(true);
    expect(tx.state).toBe('terminated');
  });

  test('a provisional response stops Timer A and Timer B: Proceeding waits for the final response', async () => {
    const { tx, wire } = startClient('INVITE', 'unreliable');
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    await jest.advanceTimersByTimeAsync(600);
    tx.receive(received(response(tx.request, 180), tx.flow));
    expect(tx.state).toBe('proceeding');
    await jest.advanceTimersByTimeAsync(10 * 64 * T1);
    expect(wire.times('INVITE')).toEqual([0, 500]);
    expect(timedOut).toBe(false);
    expect(tx.state).toBe('proceeding');
    tx.receive(received(response(tx.request, 200), tx.flow));
    expect(tx.state).toBe('accepted');
  });

  test.each(TRANSPORTS)(
    '%s: a non-2xx final response is ACKed (same branch); Timer D = 32 s unreliable, 0 reliable',
    async (reliability) => {
      const { tx, wire } = startClient('INVITE', reliability);
      await jest.advanceTimersByTimeAsync(100);
      const busy = response(tx.request, 486);
      tx.receive(received(busy, tx.flow));
      await settle();
      expect(wire.times('ACK')).toEqual([100]);
      const ack = wire.sent.find((s) => s.line.startsWith('ACK'))!;
      expect(ack.line).toBe(`ACK ${tx.request.uriText} SIP/2.0`);
      if (reliability === 'reliable') {
        expect(tx.state).toBe('terminated'); // Timer D = 0 (§17.1.1.2)
        return;
      }
      expect(tx.state).toBe('completed');
      await jest.advanceTimersByTimeAsync(10_000);
      tx.receive(received(busy, tx.flow)); // a retransmission of the 486: ACK again
      await settle();
      expect(wire.times('ACK')).toEqual([100, 10_100]);
      await jest.advanceTimersByTimeAsync(32_000 - 10_000 - 1);
      expect(tx.state).toBe('completed');
      await jest.advanceTimersByTimeAsync(1);
      expect(tx.state).toBe('terminated'); // Timer D fired 32 s after the 486
      expect(wire.times('INVITE')).toEqual([0]); // no Timer A after the final response
    },
  );

  test('a 2xx moves to Accepted: 2xx retransmissions go up to the TU until Timer M (64·T1) ends it', async () => {
    const { tx } = startClient('INVITE', 'unreliable');
    const passedUp: number[] = [];
    tx.on('response', () => passedUp.push(Date.now()));
    const ok = response(tx.request, 200);
    tx.receive(received(ok, tx.flow));
    expect(tx.state).toBe('accepted');
    await jest.advanceTimersByTimeAsync(T1);
    tx.receive(received(ok, tx.flow));
    expect(passedUp).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(64 * T1 - T1 - 1);
    expect(tx.state).toBe('accepted');
    await jest.advanceTimersByTimeAsync(1);
    expect(tx.state).toBe('terminated');
  });
});

describe('non-INVITE client transaction (§17.1.2)', () => {
  test('unreliable: Timer E doubles from T1 and is capped at T2; Timer F times out at 64·T1', async () => {
    const { tx, wire } = startClient('OPTIONS', 'unreliable');
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    await jest.advanceTimersByTimeAsync(64 * T1 - 1);
    const sends = wire.times('OPTIONS');
    expect(gaps(sends)).toEqual([T1, 2 * T1, 4 * T1, T2, T2, T2, T2, T2, T2, T2]);
    expect(sends.at(-1)).toBe(31_500);
    expect(timedOut).toBe(false);
    expect(tx.state).toBe('trying');
    await jest.advanceTimersByTimeAsync(1);
    expect(timedOut).toBe(true);
    expect(tx.state).toBe('terminated');
  });

  test('unreliable: in Proceeding Timer E fires every T2; Timer F still applies', async () => {
    const { tx, wire } = startClient('OPTIONS', 'unreliable');
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    await jest.advanceTimersByTimeAsync(600);
    tx.receive(received(response(tx.request, 100), tx.flow));
    expect(tx.state).toBe('proceeding');
    await jest.advanceTimersByTimeAsync(64 * T1 - 600);
    const sends = wire.times('OPTIONS');
    expect(sends.slice(0, 3)).toEqual([0, 500, 1500]); // the E armed in Trying fires once more
    expect(gaps(sends.slice(2))).toEqual(new Array(sends.length - 3).fill(T2));
    expect(timedOut).toBe(true);
  });

  test('reliable: no Timer E retransmission; Timer F times out at 64·T1', async () => {
    const { tx, wire } = startClient('OPTIONS', 'reliable');
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    await jest.advanceTimersByTimeAsync(64 * T1);
    expect(wire.times('OPTIONS')).toEqual([0]);
    expect(timedOut).toBe(true);
  });

  test.each(TRANSPORTS)('%s: a final response stops E and F; Timer K = T4 unreliable, 0 reliable', async (r) => {
    const { tx, wire } = startClient('OPTIONS', r);
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    await jest.advanceTimersByTimeAsync(100);
    tx.receive(received(response(tx.request, 200), tx.flow));
    if (r === 'reliable') {
      expect(tx.state).toBe('terminated');
      return;
    }
    expect(tx.state).toBe('completed');
    await jest.advanceTimersByTimeAsync(T4 - 1);
    expect(tx.state).toBe('completed');
    await jest.advanceTimersByTimeAsync(1);
    expect(tx.state).toBe('terminated');
    await jest.advanceTimersByTimeAsync(64 * T1);
    expect(wire.times('OPTIONS')).toEqual([0]);
    expect(timedOut).toBe(false);
  });
});
