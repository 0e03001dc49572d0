import fc from 'fast-check';
import { LoadStats, mergeSnapshots, percentile } from '../../src/load/load-stats';

describe('load statistics', () => {
  test('percentiles from the histogram are within 1.1 % above the exact value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.02, max: 100_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 100 }),
        (samples, p) => {
          const st = new LoadStats();
          for (const x of samples) st.responseTime(x);
          const sorted = [...samples].sort((a, b) => a - b);
          const exact = sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
          const got = percentile(st.histogram, p)!;
          expect(got).toBeGreaterThanOrEqual(exact - 1e-9);
          expect(got).toBeLessThanOrEqual(exact * 1.0111 + 0.0011);
        },
      ),
    );
    expect(percentile(new LoadStats().histogram, 50)).toBeUndefined();
  });

  test('snapshots merge by addition (worker threads), series second by second', () => {
    const a = new LoadStats();
    const b = new LoadStats();
    a.started = 3;
    a.completed = 2;
    a.clean = 2;
    a.fail('timeout-invite');
    a.responseTime(5);
    a.tick(0, 1);
    b.started = 2;
    b.completed = 2;
    b.clean = 1;
    b.retransmissions = 4;
    b.responseTime(7);
    b.tick(0, 0);
    b.fail('status-486');
    b.tick(1, 0);
    const m = mergeSnapshots([a.snapshot(), b.snapshot()]);
    expect(m).toMatchObject({
      started: 5,
      completed: 4,
      clean: 3,
      failed: 2,
      retransmissions: 4,
      failures: { 'timeout-invite': 1, 'status-486': 1 },
    });
    expect(m.series.map((s) => [s.t, s.started, s.failed])).toEqual([
      [0, 5, 1],
      [1, 0, 1],
    ]);
    expect(percentile(m.histogram, 100)).toBeGreaterThanOrEqual(7);
  });
});
