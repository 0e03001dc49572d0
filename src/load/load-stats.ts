/**
 * Counters of one load run, kept allocation-free on the hot path: response times go into a log-linear histogram
 * (1 % resolution from 10 µs to 10 min), failures into a small map by reason, and completed/failed/retransmission
 * counts into a per-second series for the rate-over-time chart. Snapshots are plain JSON and merge by addition,
 * so worker threads can each keep their own and the parent adds them up.
 */

/** Buckets per power of two: 2^(1/64) ≈ 1.1 % wide. */
const SUB = 64;
const MIN_US = 10;
const OCTAVES = 26; // 10 µs · 2^26 ≈ 11 min
const BUCKETS = SUB * OCTAVES + 1;

export interface SecondSample {
  /** Seconds since the run started (0-based). */
  t: number;
  started: number;
  completed: number;
  clean: number;
  failed: number;
  retransmissions: number;
  inFlight: number;
}

export interface StatsSnapshot {
  started: number;
  completed: number;
  clean: number;
  failed: number;
  retransmissions: number;
  /** Messages that matched no call (late retransmissions after the call ended, unknown Call-IDs). */
  stray: number;
  unparseable: number;
  failures: Record<string, number>;
  /** Histogram counts of response times (request sent → final response), see `percentile`. */
  histogram: number[];
  /** Per second. */
  series: SecondSample[];
  peakInFlight: number;
  sumResponseMs: number;
}

export function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (!(us > MIN_US)) return 0;
  const b = Math.floor(Math.log2(us / MIN_US) * SUB) + 1;
  return b >= BUCKETS ? BUCKETS - 1 : b;
}

/** The upper bound (ms) of bucket b. */
export function bucketUpperMs(b: number): number {
  return b === 0 ? MIN_US / 1000 : (MIN_US * 2 ** (b / SUB)) / 1000;
}

export class LoadStats {
  started = 0;
  completed = 0;
  clean = 0;
  failed = 0;
  retransmissions = 0;
  stray = 0;
  unparseable = 0;
  peakInFlight = 0;
  sumResponseMs = 0;
  readonly failures = new Map<string, number>();
  readonly histogram = new Uint32Array(BUCKETS);
  readonly series: SecondSample[] = [];
  private last = { started: 0, completed: 0, clean: 0, failed: 0, retransmissions: 0 };

  responseTime(ms: number): void {
    this.histogram[bucketOf(ms)]!++;
    this.sumResponseMs += ms;
  }

  fail(reason: string): void {
    this.failed++;
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
  }

  /** Closes the current second: appends a sample of what happened since the previous one. */
  tick(t: number, inFlight: number): SecondSample {
    const s: SecondSample = {
      t,
      started: this.started - this.last.started,
      completed: this.completed - this.last.completed,
      clean: this.clean - this.last.clean,
      failed: this.failed - this.last.failed,
      retransmissions: this.retransmissions - this.last.retransmissions,
      inFlight,
    };
    this.last = {
      started: this.started,
      completed: this.completed,
      clean: this.clean,
      failed: this.failed,
      retransmissions: this.retransmissions,
    };
    this.series.push(s);
    return s;
  }

  snapshot(): StatsSnapshot {
    return {
      started: this.started,
      completed: this.completed,
      clean: this.clean,
      failed: this.failed,
      retransmissions: this.retransmissions,
      stray: this.stray,
      unparseable: this.unparseable,
      failures: Object.fromEntries(this.failures),
      histogram: Array.from(this.histogram),
      series: this.series.slice(),
      peakInFlight: this.peakInFlight,
      sumResponseMs: this.sumResponseMs,
    };
  }
}

/** Adds snapshots (worker threads): counts add, series add second by second. */
export function mergeSnapshots(parts: StatsSnapshot[]): StatsSnapshot {
  const out: StatsSnapshot = {
    started: 0,
    completed: 0,
    clean: 0,
    failed: 0,
    retransmissions: 0,
    stray: 0,
    unparseable: 0,
    failures: {},
    histogram: new Array<number>(BUCKETS).fill(0),
    series: [],
    peakInFlight: 0,
    sumResponseMs: 0,
  };
  for (const p of parts) {
    out.started += p.started;
    out.completed += p.completed;
    out.clean += p.clean;
    out.failed += p.failed;
    out.retransmissions += p.retransmissions;
    out.stray += p.stray;
    out.unparseable += p.unparseable;
    out.peakInFlight += p.peakInFlight;
    out.sumResponseMs += p.sumResponseMs;
    for (const [k, v] of Object.entries(p.failures)) out.failures[k] = (out.failures[k] ?? 0) + v;
    for (let i = 0; i < BUCKETS; i++) out.histogram[i]! += p.histogram[i] ?? 0;
    for (const s of p.series) {
      const o = (out.series[s.t] ??= {
        t: s.t,
        started: 0,
        completed: 0,
        clean: 0,
        failed: 0,
        retransmissions: 0,
        inFlight: 0,
      });
      o.started += s.started;
      o.completed += s.completed;
      o.clean += s.clean;
      o.failed += s.failed;
      o.retransmissions += s.retransmissions;
      o.inFlight += s.inFlight;
    }
  }
  out.series = out.series.filter(Boolean);
  return out;
}

/** The p-th percentile (0..100) of the histogram in ms (upper bucket bound, ≤ 1.1 % high), undefined if empty. */
export function percentile(histogram: ArrayLike<number>, p: number): number | undefined {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i]!;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return Math.ceil(bucketUpperMs(i) * 1000) / 1000;
  }
  return undefined;
}
