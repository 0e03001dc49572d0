/** A load run's result from its counters (one engine's, or the merged counters of worker threads). */
import { percentile, type StatsSnapshot } from './load-stats';
import type { LoadResult } from './run-load';

function ms(x: number | undefined): number | undefined {
  return x === undefined ? undefined : Math.round(x * 1000) / 1000;
}

export interface ResultMeta extends Pick<
  LoadResult,
  | 'mode'
  | 'scenario'
  | 'transport'
  | 'target'
  | 'local'
  | 'startedAt'
  | 'durationMs'
  | 'options'
  | 'socketErrors'
  | 'connectionLost'
  | 'memory'
  | 'recvBufferBytes'
  | 'sendBufferBytes'
  | 'io'
> {
  /** First call started → last call ended, ms (the rates are over this span). */
  spanMs: number;
}

/** A result from counters (one engine's, or the merged counters of worker threads). */
export function buildResult(snap: StatsSnapshot, meta: ResultMeta): LoadResult {
  const { spanMs, ...rest } = meta;
  const spanS = Math.max(0.001, spanMs / 1000);
  const h = snap.histogram;
  const answered = h.reduce((x, y) => x + y, 0);
  return {
    ...rest,
    calls: { started: snap.started, completed: snap.completed, clean: snap.clean, failed: snap.failed },
    cps: Math.round((snap.completed / spanS) * 10) / 10,
    cleanCps: Math.round((snap.clean / spanS) * 10) / 10,
    retransmissions: snap.retransmissions,
    stray: snap.stray,
    unparseable: snap.unparseable,
    failures: snap.failures,
    responseTimeMs: {
      mean: answered ? ms(snap.sumResponseMs / answered) : undefined,
      p50: percentile(h, 50),
      p90: percentile(h, 90),
      p95: percentile(h, 95),
      p99: percentile(h, 99),
      max: percentile(h, 100),
    },
    peakInFlight: snap.peakInFlight,
    series: snap.series,
    clean: snap.started > 0 && snap.failed === 0 && snap.retransmissions === 0 && snap.clean === snap.started,
    stats: snap,
  };
}
