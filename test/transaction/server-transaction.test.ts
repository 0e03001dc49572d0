/**
 * Server transactions (RFC 3261 §17.2) on a fake host under jest's fake timers, at the RFC's default timers
 * (T1 500 ms, T2 4 s, T4 5 s): Timers G, H, I (INVITE, §17.2.1), J (non-INVITE, §17.2.2) and L (RFC 6026 §7.1),
 * over unreliable and reliable transports.
 */
import { ackForNon2xx } from '../../src/transaction/derived-requests';
import { TIMERS, TRANSPORTS, gaps, received, response, settle, startServer } from './support';

const T1 = TIMERS.t1;
const T2 = TIMERS.t2;
const T4 = TIMERS.t4;

beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

describe('INVITE server transaction (§17.2.1)', () => {
  test('unreliable: Timer G retransmits a non-2xx final at T1, 2·T1, 4·T1, capped at T2; Timer H gives up at 64·T1', async () => {
    const { tx, wire } = startServer('INVITE', 'unreliable');
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    await tx.respond(response(tx.request, 486));
    expect(tx.state).toBe('completed');
    await jest.advanceTimersByTimeAsync(64 * T1 - 1);
    const sends = wire.times('SIP/2.0 486');
    expect(gaps(sends)).toEqual([T1, 2 * T1, 4 * T1, T2, T2, T2, T2, T2, T2, T2]);
    expect(timedOut).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(timedOut).toBe(true); // §17.2.1: no ACK within Timer H
    expect(tx.state).toBe('terminated');
    expect(wire.forgotten).toBe(1);
  });

  test('reliable: no Timer G retransmission; Timer H still gives up at 64·T1', async () => {
    const { tx, wire } = startServer('INVITE', 'reliable');
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    await tx.respond(response(tx.request, 486));
    await jest.advanceTimersByTimeAsync(64 * T1 - 1);
    expect(wire.times('SIP/2.0 486')).toEqual([0]);
    expect(timedOut).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(timedOut).toBe(true);
  });

  test.each(TRANSPORTS)('%s: the ACK stops G and H (Confirmed); Timer I = T4 unreliable, 0 reliable', async (r) => {
    const { tx, wire } = startServer('INVITE', r);
    let timedOut = false;
    tx.on('timeout', () => (timedOut = true));
    const busy = response(tx.request, 486);
    await tx.respond(busy);
    await jest.advanceTimersByTimeAsync(700);
    tx.receiveAck(received(ackForNon2xx(tx.request, busy), tx.flow));
    if (r === 'reliable') {
      expect(tx.state).toBe('terminated');
      return;
    }
    expect(tx.state).toBe('confirmed');
    await jest.advanceTimersByTimeAsync(T4 - 1);
    expect(tx.state).toBe('confirmed');
    await jest.advanceTimersByTimeAsync(1);
    expect(tx.state).toBe('terminated');
    await jest.advanceTimersByTimeAsync(64 * T1);
    expect(wire.times('SIP/2.0 486')).toEqual([0, 500]); // no G after the ACK
    expect(timedOut).toBe(false);
  });

  test('a retransmitted INVITE in Proceeding gets the last provisional response again', async () => {
    const { tx, wire } = startServer('INVITE', 'unreliable');
    const retransmissions: number[] = [];
    tx.on('retransmission', () => retransmissions.push(Date.now()));
    await tx.respond(response(tx.request, 180));
    await jest.advanceTimersByTimeAsync(T1);
    tx.receiveRetransmission(received(tx.request, tx.flow));
    await settle();
    expect(wire.times('SIP/2.0 180')).toEqual([0, T1]);
    expect(retransmissions).toHaveLength(1);
  });

  test('a 2xx moves to Accepted (RFC 6026 §7.1): INVITE retransmissions are absorbed until Timer L (64·T1)', async () => {
    const { tx, wire } = startServer('INVITE', 'unreliable');
    await tx.respond(response(tx.request, 200));
    expect(tx.state).toBe('accepted');
    await jest.advanceTimersByTimeAsync(T1);
    tx.receiveRetransmission(received(tx.request, tx.flow));
    await settle();
    expect(wire.times('SIP/2.0 200')).toEqual([0]); // the UAS core retransmits the 2xx, not the transaction
    await jest.advanceTimersByTimeAsync(64 * T1 - T1 - 1);
    expect(tx.state).toBe('accepted');
    await jest.advanceTimersByTimeAsync(1);
    expect(tx.state).toBe('terminated');
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  test.each(TRANSPORTS)(
    '%s: Completed answers retransmissions with the final response; Timer J = 64·T1 unreliable, 0 reliable',
    async (r) => {
      const { tx, wire } = startServer('OPTIONS', r);
      await tx.respond(response(tx.request, 100));
      expect(tx.state).toBe('proceeding');
      await tx.respond(response(tx.request, 200));
      await jest.advanceTimersByTimeAsync(0);
      if (r === 'reliable') {
        expect(tx.state).toBe('terminated');
        return;
      }
      expect(tx.state).toBe('completed');
      await jest.advanceTimersByTimeAsync(T2);
      tx.receiveRetransmission(received(tx.request, tx.flow));
      await settle();
      expect(wire.times('SIP/2.0 200')).toEqual([0, T2]);
      await jest.advanceTimersByTimeAsync(64 * T1 - T2 - 1);
      expect(tx.state).toBe('completed');
      await jest.advanceTimersByTimeAsync(1);
      expect(tx.state).toBe('terminated');
    },
  );

  test('a non-INVITE server transaction never retransmits on its own (no timer but J)', async () => {
    const { tx, wire } = startServer('OPTIONS', 'unreliable');
    await tx.respond(response(tx.request, 200));
    await jest.advanceTimersByTimeAsync(64 * T1);
    expect(wire.times('SIP/2.0 200')).toEqual([0]);
    expect(tx.state).toBe('terminated');
  });
});
