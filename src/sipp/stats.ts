/**
 * SIPp's statistics file (-trace_stat, semicolon-separated, one row per -fd period plus one at the end) and its
 * response-time file (-trace_rtt), read into typed results. Counters come in pairs: (P) for the last period and
 * (C) cumulative. Durations look like "HH:MM:SS:uuuuuu" (ResponseTimeN, CallLength) or "HH:MM:SS" (ElapsedTime);
 * dates like "2026-11-24<TAB>05:19:59.037795<TAB>1795497599.037795".
 */

export class SippStatsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SippStatsError';
  }
}

export interface Counter {
  periodic: number;
  cumulative: number;
}

export interface Repartition {
  /** Upper bounds in ms for "<N" buckets; the last bucket is ">=N" and has `atLeast`. */
  buckets: Array<{ below?: number; atLeast?: number; count: number }>;
}

export interface SippStatsRow {
  /** 1-based line in the file, for error messages. */
  line: number;
  /** Wall clock of the row (epoch ms). */
  currentTime: number;
  startTime: number;
  elapsedMs: Counter;
  targetRate: number;
  callRate: Counter;
  incomingCalls: Counter;
  outgoingCalls: Counter;
  totalCallsCreated: number;
  currentCalls: number;
  successfulCalls: Counter;
  failedCalls: Counter;
  retransmissions: Counter;
  /** Every FailedXxx reason column except FailedCall itself, e.g. FailedMaxUDPRetrans, FailedTimeoutOnRecv. */
  failureReasons: Record<string, Counter>;
  /** Every (P)/(C) pair in the row, by its name without the suffix. */
  counters: Record<string, Counter>;
  /** ResponseTime1..N in ms (mean and standard deviation), as the scenario's rtd markers define them. */
  responseTimes: Array<{ name: string; mean: Counter; stdev: Counter }>;
  callLength: { mean: Counter; stdev: Counter };
  responseTimeRepartitions: Record<string, Repartition>;
  callLengthRepartition?: Repartition;
}

export interface SippStats {
  rows: SippStatsRow[];
  /** The last row: SIPp writes it when the run ends, so its (C) values are the totals. */
  final: SippStatsRow;
  calls: { created: number; outgoing: number; incoming: number; successful: number; failed: number };
  retransmissions: number;
  /** Failure reasons with a non-zero cumulative count. */
  failures: Record<string, number>;
  /** Cumulative mean response time of each rtd, in ms. */
  responseTimeMeansMs: Record<string, number>;
  callLengthMeanMs: number;
  callRate: number;
}

/** "HH:MM:SS:uuuuuu" or "HH:MM:SS" → ms. */
export function parseSippDuration(s: string): number {
  const m = /^(\d+):(\d\d):(\d\d)(?::(\d{1,6}))?$/.exec(s.trim());
  if (!m) return NaN;
  const [, h, mi, se, us] = m;
  return (Number(h) * 3600 + Number(mi) * 60 + Number(se)) * 1000 + (us ? Number(us.padEnd(6, '0')) / 1000 : 0);
}

/** "YYYY-MM-DD<TAB>HH:MM:SS.uuuuuu<TAB>epoch.uuuuuu" → epoch ms (from the epoch field). */
export function parseSippDate(s: string): number {
  const parts = s.trim().split(/\t/);
  const epoch = Number(parts[parts.length - 1]);
  if (parts.length >= 2 && Number.isFinite(epoch)) return epoch * 1000;
  const iso = Date.parse(`${parts[0]}T${parts[1] ?? '00:00:00'}Z`);
  return iso;
}

function num(s: string | undefined, what: string, where: string): number {
  if (s === undefined || s === '') return 0;
  const v = s.includes(':') ? parseSippDuration(s) : Number(s);
  if (!Number.isFinite(v)) throw new SippStatsError(`${where}: column ${what} has "${s}", not a number or duration`);
  return v;
}

function parseRepartition(header: string[], values: string[], base: string, where: string): Repartition {
  const buckets: Repartition['buckets'] = [];
  header.forEach((h, i) => {
    if (!h.startsWith(`${base}_`)) return;
    const bound = h.slice(base.length + 1);
    const count = num(values[i], h, where);
    if (bound.startsWith('<')) buckets.push({ below: Number(bound.slice(1)), count });
    else if (bound.startsWith('>=')) buckets.push({ atLeast: Number(bound.slice(2)), count });
  });
  return { buckets };
}

/** One data row of a -trace_stat file (`line` its 1-based line number, `where` file:line for errors). */
function parseStatsRow(
  header: string[],
  col: Map<string, number>,
  raw: string,
  line: number,
  where: string,
): SippStatsRow {
  const v = raw.split(';');
  if (v.length < header.length)
    throw new SippStatsError(`${where}: ${v.length} fields, the header has ${header.length}`);
  const get = (name: string): string | undefined => {
    const i = col.get(name);
    return i === undefined ? undefined : v[i];
  };
  const pair = (name: string): Counter => ({
    periodic: num(get(`${name}(P)`), `${name}(P)`, where),
    cumulative: num(get(`${name}(C)`), `${name}(C)`, where),
  });
  const counters: Record<string, Counter> = {};
  const failureReasons: Record<string, Counter> = {};
  for (const h of header) {
    const m = /^(.*)\(C\)$/.exec(h);
    if (!m || !col.has(`${m[1]}(P)`)) continue;
    const name = m[1]!;
    counters[name] = pair(name);
    if (name.startsWith('Failed') && name !== 'FailedCall')
      failureReasons[name.slice('Failed'.length)] = counters[name]!;
  }
  const responseTimes: SippStatsRow['responseTimes'] = [];
  for (let i = 1; col.has(`ResponseTime${i}(C)`); i++) {
    responseTimes.push({
      name: `ResponseTime${i}`,
      mean: pair(`ResponseTime${i}`),
      stdev: pair(`ResponseTime${i}StDev`),
    });
  }
  const responseTimeRepartitions: Record<string, Repartition> = {};
  for (const h of header)
    if (/^ResponseTimeRepartition\d+$/.test(h)) responseTimeRepartitions[h] = parseRepartition(header, v, h, where);
  const startTime = parseSippDate(get('StartTime') ?? '');
  const currentTime = parseSippDate(get('CurrentTime') ?? '');
  return {
    line,
    startTime,
    currentTime,
    elapsedMs: pair('ElapsedTime'),
    targetRate: num(get('TargetRate'), 'TargetRate', where),
    callRate: pair('CallRate'),
    incomingCalls: pair('IncomingCall'),
    outgoingCalls: pair('OutgoingCall'),
    totalCallsCreated: num(get('TotalCallCreated'), 'TotalCallCreated', where),
    currentCalls: num(get('CurrentCall'), 'CurrentCall', where),
    successfulCalls: pair('SuccessfulCall'),
    failedCalls: pair('FailedCall'),
    retransmissions: pair('Retransmissions'),
    failureReasons,
    counters,
    responseTimes,
    callLength: { mean: pair('CallLength'), stdev: pair('CallLengthStDev') },
    responseTimeRepartitions,
    callLengthRepartition: col.has('CallLengthRepartition')
      ? parseRepartition(header, v, 'CallLengthRepartition', where)
      : undefined,
  };
}

/**
 * Parses the text of a -trace_stat file. `source` (a file name) is used in error messages, with the line.
 * Throws SippStatsError on a file without a header or without any data row.
 */
export function parseSippStatsCsv(text: string, source = 'statistics file'): SippStats {
  const lines = text.split(/\r?\n/);
  const headerLine = lines[0] ?? '';
  if (!headerLine.startsWith('StartTime;'))
    throw new SippStatsError(`${source}:1: not a SIPp statistics file (no StartTime header)`);
  const header = headerLine.split(';');
  if (header[header.length - 1] === '') header.pop();
  const col = new Map(header.map((h, i) => [h, i]));
  const rows: SippStatsRow[] = [];
  for (let n = 1; n < lines.length; n++) {
    const raw = lines[n];
    if (!raw || !raw.trim()) continue;
    rows.push(parseStatsRow(header, col, raw, n + 1, `${source}:${n + 1}`));
  }
  const final = rows[rows.length - 1];
  if (!final) throw new SippStatsError(`${source}: header only, no statistics row (SIPp ended before its first dump)`);
  const failures: Record<string, number> = {};
  for (const [k, c] of Object.entries(final.failureReasons)) if (c.cumulative > 0) failures[k] = c.cumulative;
  const responseTimeMeansMs: Record<string, number> = {};
  for (const r of final.responseTimes) responseTimeMeansMs[r.name] = r.mean.cumulative;
  return {
    rows,
    final,
    calls: {
      created: final.totalCallsCreated,
      outgoing: final.outgoingCalls.cumulative,
      incoming: final.incomingCalls.cumulative,
      successful: final.successfulCalls.cumulative,
      failed: final.failedCalls.cumulative,
    },
    retransmissions: final.retransmissions.cumulative,
    failures,
    responseTimeMeansMs,
    callLengthMeanMs: final.callLength.mean.cumulative,
    callRate: final.callRate.cumulative,
  };
}

export interface RttSample {
  /** ms since the start of the run. */
  atMs: number;
  responseMs: number;
  /** Which rtd (1-based) of the scenario this is. */
  rtd: number;
}

/** Parses a -trace_rtt file ("Date_ms;response_time_ms;rtd_no"). */
export function parseSippRttCsv(text: string, source = 'rtt file'): RttSample[] {
  const out: RttSample[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line || line.startsWith('Date_ms')) continue;
    const [at, ms, rtd] = line.split(';');
    const s = { atMs: Number(at), responseMs: Number(ms), rtd: Number(rtd) };
    if (![s.atMs, s.responseMs, s.rtd].every(Number.isFinite))
      throw new SippStatsError(`${source}:${n + 1}: expected "Date_ms;response_time_ms;rtd_no", got "${line}"`);
    out.push(s);
  }
  return out;
}

/** Median of the samples of one rtd (default 1), or undefined when there are none. */
export function medianResponseMs(samples: RttSample[], rtd = 1): number | undefined {
  const xs = samples
    .filter((s) => s.rtd === rtd)
    .map((s) => s.responseMs)
    .sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** Percentile p (0..100, nearest rank) of one rtd's samples. */
export function percentileResponseMs(samples: RttSample[], p: number, rtd = 1): number | undefined {
  const xs = samples
    .filter((s) => s.rtd === rtd)
    .map((s) => s.responseMs)
    .sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const rank = Math.min(xs.length, Math.max(1, Math.ceil((p / 100) * xs.length)));
  return xs[rank - 1];
}
