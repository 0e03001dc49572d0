/**
 * What a SIPp run leaves behind, read into a SippResult: the verdict from the exit code, the parsed statistics,
 * every response time (exact median), SIPp's error lines, and the files it wrote (bounded) for the report.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoint } from '../transport/types';
import type { SippRunFiles, SippTransport } from './args';
import { extractSippErrors, interpretSippExit, type SippVerdict } from './exit-codes';
import {
  medianResponseMs,
  parseSippRttCsv,
  parseSippStatsCsv,
  percentileResponseMs,
  type RttSample,
  type SippStats,
} from './stats';

export interface SippLog {
  name: string;
  path: string;
  content: string;
  truncated: boolean;
  bytes: number;
}

export interface SippResult {
  verdict: SippVerdict;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  binary: string;
  args: string[];
  /** A shell line that reproduces the run by hand. */
  commandLine: string;
  runDir: string;
  local: Endpoint;
  transport: SippTransport;
  /** The process id of the last SIPp started (its process group id too). */
  pid?: number;
  /** How many times SIPp was started (more than one after "cannot bind"). */
  attempts: number;
  durationMs: number;
  stats?: SippStats;
  /** Why the statistics file could not be read, when it could not. */
  statsError?: string;
  /** Every response time SIPp measured (rtd markers), in ms. */
  responseTimes: RttSample[];
  responseTimeMedianMs?: number;
  responseTimeP95Ms?: number;
  /** SIPp's own error lines (stderr and error log), timestamps removed. */
  errors: string[];
  logs: SippLog[];
}

/** How the last SIPp process ended (spawnError: it could not start at all). */
export interface SippExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
}

/** Everything collectSippResult needs to know about the run. */
export interface SippRunFacts {
  exit: SippExit;
  binary: string;
  args: string[];
  runDir: string;
  files: SippRunFiles;
  local: Endpoint;
  transport: SippTransport;
  /** The pid of the last SIPp started: its response-time file is named after it. */
  pid?: number;
  attempts: number;
  earlierErrors: string[];
  timedOut: boolean;
  hardTimeoutMs: number;
  stopRequested: boolean;
  durationMs: number;
  /** Longest log content attached, per file. */
  maxLogBytes: number;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The first `max` bytes of a file (a load run's message trace can be gigabytes), its size, and whether it was cut. */
function readLimited(path: string, max: number): { content: string; truncated: boolean; bytes: number } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const bytes = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(bytes, max));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return { content: buf.subarray(0, got).toString('utf8'), truncated: bytes > max, bytes };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads the run directory into a SippResult. Never throws: what cannot be read is said in the result. */
export function collectSippResult(run: SippRunFacts): SippResult {
  const max = run.maxLogBytes;
  const { logs, names } = readLogs(run.runDir, max);
  // Statistics and response times are read whole (a row per period, a line per call); logs only in part.
  const text = (name: string, limit = Number.MAX_SAFE_INTEGER): string =>
    readLimited(join(run.runDir, name), limit)?.content ?? '';
  let stats: SippStats | undefined;
  let statsError: string | undefined;
  const statsText = text('stats.csv');
  if (statsText) {
    try {
      stats = parseSippStatsCsv(statsText, run.files.stats);
    } catch (e) {
      statsError = (e as Error).message;
    }
  } else statsError = `${run.files.stats}: not written (SIPp ended before its first statistics dump)`;
  const rttName = run.pid ? names.find((n) => n.endsWith(`_${run.pid}_rtt.csv`)) : undefined;
  let responseTimes: RttSample[] = [];
  if (rttName) {
    try {
      responseTimes = parseSippRttCsv(text(rttName), join(run.runDir, rttName));
    } catch (e) {
      statsError = statsError ?? (e as Error).message;
    }
  }
  const errors = [
    ...run.earlierErrors,
    ...extractSippErrors(text('stderr.log', max)),
    ...extractSippErrors(text('errors.log', max)),
  ]
    .filter((e, i, a) => a.indexOf(e) === i)
    .slice(0, 100);
  if (run.exit.spawnError) errors.unshift(`could not start ${run.binary}: ${run.exit.spawnError.message}`);
  return {
    verdict: sippVerdict(run, stats, errors),
    exitCode: run.exit.code,
    signal: run.exit.signal,
    timedOut: run.timedOut,
    binary: run.binary,
    args: run.args,
    commandLine: `cd ${shellQuote(run.runDir)} && ${[run.binary, ...run.args].map(shellQuote).join(' ')}`,
    runDir: run.runDir,
    local: { ...run.local },
    transport: run.transport,
    pid: run.pid,
    attempts: run.attempts,
    durationMs: run.durationMs,
    stats,
    statsError,
    responseTimes,
    responseTimeMedianMs: medianResponseMs(responseTimes),
    responseTimeP95Ms: percentileResponseMs(responseTimes, 95),
    errors,
    logs,
  };
}

function readLogs(runDir: string, max: number): { logs: SippLog[]; names: string[] } {
  const logs: SippLog[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(runDir).sort();
  } catch {
    // run dir removed under us
  }
  for (const name of names) {
    const path = join(runDir, name);
    const r = readLimited(path, max);
    if (r) logs.push({ name, path, ...r });
  }
  return { logs, names };
}

function sippVerdict(run: SippRunFacts, stats: SippStats | undefined, errors: string[]): SippVerdict {
  if (run.exit.spawnError)
    return {
      status: 'fatal',
      ok: false,
      message: `could not start SIPp (${run.binary}): ${run.exit.spawnError.message}`,
    };
  if (run.attempts === 0 && run.stopRequested)
    return { status: 'stopped', ok: true, message: 'stopped before SIPp started' };
  return interpretSippExit({
    code: run.exit.code,
    signal: run.exit.signal,
    timedOut: run.timedOut,
    timeoutMs: run.hardTimeoutMs,
    stopRequested: run.stopRequested,
    calls: stats
      ? {
          total: stats.calls.successful + stats.calls.failed,
          successful: stats.calls.successful,
          failed: stats.calls.failed,
        }
      : undefined,
    errors,
  });
}
