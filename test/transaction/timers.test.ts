/**
 * One source of timer values (src/transaction/timers.ts): agents, SUT profiles and the load engine all take T1, T2
 * and T4 from resolveTimers. RFC 3261 Table 4 defines T2 (4 s) and T4 (5 s) as constants of their own, so a run that
 * shortens T1 alone leaves them at their defaults; T2 never drops below T1 (it caps intervals that start at T1).
 */
import { resolveLoadOptions } from '../../src/load/run-load';
import { parseProfile } from '../../src/sut/profile';
import { DEFAULT_TIMERS, resolveTimers, timer } from '../../src/transaction/timers';

describe('resolveTimers', () => {
  test('the RFC defaults: T1 500 ms, T2 4 s, T4 5 s (RFC 3261 Table 4)', () => {
    expect(resolveTimers()).toEqual({ t1: 500, t2: 4000, t4: 5000 });
    expect(DEFAULT_TIMERS).toEqual({ t1: 500, t2: 4000, t4: 5000 });
  });

  test('a shorter T1 alone leaves T2 and T4 at their defaults', () => {
    expect(resolveTimers({ t1: 50 })).toEqual({ t1: 50, t2: 4000, t4: 5000 });
    expect(resolveTimers({ t1: 100 })).toEqual({ t1: 100, t2: 4000, t4: 5000 });
  });

  test('given values are kept; T2 is at least T1', () => {
    expect(resolveTimers({ t1: 50, t2: 400, t4: 500 })).toEqual({ t1: 50, t2: 400, t4: 500 });
    expect(resolveTimers({ t1: 6000 })).toEqual({ t1: 6000, t2: 6000, t4: 5000 });
  });

  test("Timer E's interval doubles from T1 and is capped at T2; Timer A's is not (§17.1.2.2, §17.1.1.2)", () => {
    const t = resolveTimers({ t1: 500 });
    expect([0, 1, 2, 3, 4].map((n) => timer.retransmit(t, n, true))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(timer.retransmit(t, 4, false)).toBe(8000);
  });
});

describe('profiles and the load engine use resolveTimers', () => {
  test('a profile that gives only T1 gets the same T2 and T4 as an agent', () => {
    const p = parseProfile('name: x\nrole: proxy\naddress: 127.0.0.1:5060\ntimers: { t1: 100 }\n', '/tmp/p.yaml', {});
    expect(p.timers).toEqual(resolveTimers({ t1: 100 }));
  });

  test('a load run that gives only T1 gets T2 from resolveTimers (4 s), not a T2 of its own', () => {
    const load = resolveLoadOptions({ target: '127.0.0.1:5060', calls: 1, t1Ms: 100 });
    expect({ t1: load.t1Ms, t2: load.t2Ms }).toEqual({ t1: 100, t2: resolveTimers({ t1: 100 }).t2 });
    expect(resolveLoadOptions({ target: '127.0.0.1:5060', calls: 1, t1Ms: 100, t2Ms: 800 }).t2Ms).toBe(800);
  });
});
