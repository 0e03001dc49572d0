/**
 * Timer C (RFC 3261 §16.8) of the proxy core, on fake transaction hosts under jest's fake timers: set when an
 * INVITE branch is forwarded, reset by each provisional response other than 100; when it fires the proxy CANCELs
 * a branch that had a provisional response (§9.1: never one that had none) and answers upstream with 408.
 */
import { ProxyCore } from '../../src/agent/proxy-core';
import { newBranch } from '../../src/sip/builders';
import { Via } from '../../src/sip/fields';
import type { SipRequest } from '../../src/sip/message';
import { ClientTransaction } from '../../src/transaction/client-transaction';
import type { TransactionLayer } from '../../src/transaction/transaction-layer';
import { TIMERS, Wire, fakeFlow, received, response, settle, startServer } from './support';

const TIMER_C = 180_000; // "greater than 3 minutes"

beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

/** A proxy whose one target is reached over a reliable flow (no Timer A/B noise); `down` records what it sends. */
async function proxied(
  timerCMs?: number,
): Promise<{ up: Wire; down: Wire; branch: () => ClientTransaction; proxy: ProxyCore }> {
  const flow = fakeFlow('reliable');
  const down = new Wire();
  const branches: ClientTransaction[] = [];
  const layer = {
    timers: TIMERS,
    resolve: async () => flow,
    createVia: () => {
      const via = new Via('TCP', '127.0.0.1', 5060);
      via.params.set('branch', newBranch());
      return via;
    },
    sendRequest: async (req: SipRequest) => {
      const t = new ClientTransaction(req, flow, TIMERS, down.clientHost());
      branches.push(t);
      void t.start();
      return t;
    },
    sendStateless: async () => flow,
  } as unknown as TransactionLayer;
  const proxy = new ProxyCore(
    layer,
    {
      targets: () => ({ targets: [{ target: { flow }, label: 'bob' }] }),
      isOwn: () => false,
    },
    timerCMs === undefined ? {} : { timerCMs },
  );
  const { tx: stx, wire: up } = startServer('INVITE', 'reliable');
  await proxy.handle(stx);
  await settle();
  return { up, down, branch: () => branches.find((b) => b.method === 'INVITE')!, proxy };
}

test('Timer C fires 3 minutes after the last provisional response: CANCEL downstream, 408 upstream', async () => {
  const { up, down, branch, proxy } = await proxied();
  await jest.advanceTimersByTimeAsync(1_000);
  branch().receive(received(response(branch().request, 180), branch().flow));
  await jest.advanceTimersByTimeAsync(59_000);
  branch().receive(received(response(branch().request, 183), branch().flow)); // resets Timer C at 60 s
  await jest.advanceTimersByTimeAsync(TIMER_C - 1);
  expect(down.times('CANCEL')).toEqual([]);
  expect(up.times('SIP/2.0 408')).toEqual([]);
  await jest.advanceTimersByTimeAsync(1);
  expect(down.times('CANCEL')).toEqual([60_000 + TIMER_C]);
  expect(up.times('SIP/2.0 408')).toEqual([60_000 + TIMER_C]);
  expect(up.times('SIP/2.0 18')).toEqual([1_000, 60_000]);
  proxy.close();
});

test('a 100 Trying does not reset Timer C', async () => {
  const { up, down, branch, proxy } = await proxied();
  await jest.advanceTimersByTimeAsync(1_000);
  branch().receive(received(response(branch().request, 100), branch().flow));
  await jest.advanceTimersByTimeAsync(TIMER_C - 1_000);
  expect(down.times('CANCEL')).toEqual([TIMER_C]);
  expect(up.times('SIP/2.0 408')).toEqual([TIMER_C]);
  proxy.close();
});

test('without a provisional response Timer B ends the branch first (64·T1): 408 upstream, no CANCEL', async () => {
  const { up, down, proxy } = await proxied();
  await jest.advanceTimersByTimeAsync(TIMER_C);
  expect(down.times('CANCEL')).toEqual([]);
  expect(up.times('SIP/2.0 408')).toEqual([64 * TIMERS.t1]);
  proxy.close();
});

test('a Timer C shorter than Timer B, without a provisional response: no CANCEL (§9.1), 408 upstream', async () => {
  const { up, down, proxy } = await proxied(10_000);
  await jest.advanceTimersByTimeAsync(64 * TIMERS.t1);
  expect(down.times('CANCEL')).toEqual([]);
  expect(up.times('SIP/2.0 408')).toEqual([10_000]);
  proxy.close();
});
