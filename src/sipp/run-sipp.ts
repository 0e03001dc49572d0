/**
 * Running SIPp as a check or as a load peer, through node:child_process.
 *
 * - SIPp runs in the foreground (never -bg), in its own process group (spawn detached), with its working
 *   directory and every trace file in a private run directory.
 * - Every run has a hard time bound: past it the whole group gets SIGTERM, then SIGKILL after a grace period,
 *   and the verdict says "timeout". When SIPp exits, whatever is left of its group (shells started by <exec>)
 *   is killed too, so no process outlives the run.
 * - Without a fixed local port, a free one is probed (bind to 0, release) and the run is retried on SIPp's
 *   "cannot bind" exit (254) with a new port.
 * - The result carries the verdict from the exit code, the parsed statistics, every response time (exact
 *   median), SIPp's error lines and the files it wrote, with their contents, for the report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Endpoint } from '../transport/types';
import { formatEndpoint } from '../transport/types';
import { buildSippArgs, socketProtocol, type SippArgsInput, type SippRunFiles, type SippTransport } from './args';
import { extractSippErrors, interpretSippExit, type SippVerdict } from './exit-codes';
import { locateSipp } from './locate';
import { portIsTaken, probeFreePort, processHasBound } from './ports';
import {
  medianResponseMs,
  parseSippRttCsv,
  parseSippStatsCsv,
  percentileResponseMs,
  type RttSample,
  type SippStats,
} from './stats';

export interface SippRunOptions extends Omit<SippArgsInput, 'files' | 'localAddress' | 'localPort' | 'target'> {
  /** The SUT (host:port or an Endpoint). Absent when SIPp only answers (a UAS). */
  target?: string | Endpoint;
  /** Default 127.0.0.1. */
  localAddress?: string;
  /** Default: a probed free port, retried on "cannot bind". */
  localPort?: number;
  /** Hard bound for the whole run, ms. Default: SIPp's -timeout + 5 s when given, else 60 s. */
  hardTimeoutMs?: number;
  /** Time between SIGTERM (or stop()'s SIGUSR1) and the next, harder signal. Default 1000 ms. */
  killGraceMs?: number;
  /** How long `ready` waits for SIPp to bind its port. Default min(hard bound, 10 s). */
  readyTimeoutMs?: number;
  /** -trace_msg into messages.log (every message sent and received). */
  traceMessages?: boolean;
  /** -trace_logs into actions.log (the scenario's <log> actions). */
  traceLogs?: boolean;
  /** Where SIPp runs and writes; default a fresh directory under the OS temp dir. */
  runDir?: string;
  /** The sipp binary (path or name on PATH); default $SIPCONF_SIPP or `sipp`. */
  binary?: string;
  /** New ports to try after "cannot bind" (only when localPort was not fixed). Default 3. */
  bindRetries?: number;
  /** How a free local port is chosen when localPort is not fixed (default probeFreePort: bind to 0, release). */
  portProbe?: (address: string) => Promise<number>;
  /** Longest log content attached to the result, per file. Default 1 MiB. */
  maxLogBytes?: number;
  env?: NodeJS.ProcessEnv;
}

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

export interface SippHandle {
  /** The local address SIPp binds (its port may change if a bind retry happens before `ready`). */
  readonly local: Endpoint;
  readonly runDir: string;
  /** Resolves once SIPp has bound its local port; rejects if it exits or does not bind in time. */
  readonly ready: Promise<Endpoint>;
  /** Resolves when SIPp has exited and its files are read. Never rejects. */
  readonly result: Promise<SippResult>;
  /** The current SIPp process id, while one runs. */
  readonly pid: number | undefined;
  /** Asks SIPp to finish (SIGUSR1: final statistics, exit 0), then SIGTERM/SIGKILL the group if it lingers. */
  stop(): Promise<SippResult>;
}

export class SippScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SippScenarioError';
  }
}

function checkScenarioFile(what: string, file: string | undefined): void {
  if (file === undefined) return;
  const p = resolve(file);
  let isFile: boolean;
  try {
    isFile = statSync(p).isFile();
  } catch (e) {
    throw new SippScenarioError(
      `${what} ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  if (!isFile) throw new SippScenarioError(`${what} ${p}: not a file`);
  try {
    accessSync(p, constants.R_OK);
  } catch (e) {
    throw new SippScenarioError(`${what} ${p}: cannot be read (${(e as Error).message})`);
  }
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs still going. SIPp lives in its own process group (so our kill reaches everything it starts), which also
 * means a Ctrl-C aimed at us does not reach it: when this process exits, every live SIPp group is killed.
 */
const liveRuns = new Set<SippRun>();
let exitHookInstalled = false;
function killAllOnExit(): void {
  for (const run of liveRuns) run.killNow();
}

/** Stops every SIPp this process started that is still running (e.g. on SIGINT), and waits for their results. */
export async function stopAllSipp(): Promise<SippResult[]> {
  return Promise.all([...liveRuns].map((r) => r.stop()));
}

class SippRun implements SippHandle {
  readonly local: Endpoint;
  readonly runDir: string;
  readonly ready: Promise<Endpoint>;
  readonly result: Promise<SippResult>;

  private child: ChildProcess | undefined;
  private stopRequested = false;
  private timedOut = false;
  private settled = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private resolveReady!: (e: Endpoint) => void;
  private rejectReady!: (e: Error) => void;
  private readySettled = false;
  private readonly files: SippRunFiles;
  private readonly hardTimeoutMs: number;
  private readonly graceMs: number;
  private readonly started = performance.now();

  constructor(
    private readonly binary: string,
    private readonly opts: SippRunOptions,
    runDir: string,
  ) {
    this.runDir = runDir;
    this.local = { address: opts.localAddress ?? '127.0.0.1', port: opts.localPort ?? 0 };
    this.files = {
      stats: join(runDir, 'stats.csv'),
      errors: join(runDir, 'errors.log'),
      screen: join(runDir, 'screen.log'),
      messages: opts.traceMessages ? join(runDir, 'messages.log') : undefined,
      logs: opts.traceLogs ? join(runDir, 'actions.log') : undefined,
    };
    this.hardTimeoutMs =
      opts.hardTimeoutMs ?? (opts.sippTimeoutS !== undefined ? opts.sippTimeoutS * 1000 + 5000 : 60_000);
    this.graceMs = opts.killGraceMs ?? 1000;
    // Fail fast on bad options, before anything is spawned.
    buildSippArgs(this.argsInput(opts.localPort || 5060));
    this.ready = new Promise<Endpoint>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.ready.catch(() => undefined); // a caller that never awaits `ready` must not see an unhandled rejection
    liveRuns.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', killAllOnExit);
    }
    this.result = this.run().finally(() => liveRuns.delete(this));
  }

  /** Synchronous SIGKILL of the whole group: for process exit, where nothing asynchronous runs any more. */
  killNow(): void {
    this.killGroup('SIGKILL');
  }

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  stop(): Promise<SippResult> {
    if (!this.settled && !this.stopRequested) {
      this.stopRequested = true;
      const child = this.child;
      if (child?.pid && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGUSR1');
        } catch {
          // already gone
        }
        this.later(this.graceMs, () => {
          this.killGroup('SIGTERM');
          this.later(this.graceMs, () => this.killGroup('SIGKILL'));
        });
      }
    }
    return this.result;
  }

  private argsInput(port: number): SippArgsInput {
    const { target } = this.opts;
    return {
      ...this.opts,
      target: target === undefined ? undefined : typeof target === 'string' ? target : formatEndpoint(target),
      localAddress: this.local.address,
      localPort: port,
      files: this.files,
    };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') {
        try {
          this.child?.kill(signal);
        } catch {
          // nothing left to signal
        }
      }
    }
  }

  private settleReady(value: Endpoint | Error): void {
    if (this.readySettled) return;
    this.readySettled = true;
    if (value instanceof Error) this.rejectReady(value);
    else this.resolveReady(value);
  }

  private async watchReadiness(child: ChildProcess, port: number, deadline: number): Promise<void> {
    const proto = socketProtocol(this.opts.transport);
    while (!this.readySettled && child.exitCode === null && child.signalCode === null) {
      let bound = child.pid ? processHasBound(child.pid, port, proto) : false;
      if (bound === undefined) bound = await portIsTaken(this.local.address, port, proto);
      if (bound) {
        this.settleReady({ address: this.local.address, port });
        return;
      }
      if (performance.now() > deadline) {
        this.settleReady(
          new Error(
            `SIPp did not bind ${proto.toUpperCase()} ${this.local.address}:${port} within ${Math.round(deadline - this.started)} ms`,
          ),
        );
        return;
      }
      await sleep(20);
    }
  }

  private spawnOnce(
    args: string[],
    attempt: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }> {
    const out = openSync(join(this.runDir, 'stdout.log'), 'a');
    const err = openSync(join(this.runDir, 'stderr.log'), 'a');
    if (attempt > 1) {
      writeSync(out, `\n--- attempt ${attempt}: ${args.join(' ')}\n`);
      writeSync(err, `\n--- attempt ${attempt}\n`);
    }
    return new Promise((resolveExit) => {
      let child: ChildProcess;
      try {
        child = spawn(this.binary, args, {
          cwd: this.runDir,
          detached: true,
          stdio: ['ignore', out, err],
          env: this.opts.env ?? process.env,
        });
      } catch (e) {
        closeSync(out);
        closeSync(err);
        resolveExit({ code: null, signal: null, spawnError: e as Error });
        return;
      }
      closeSync(out);
      closeSync(err);
      this.child = child;
      let done = false;
      child.once('error', (e) => {
        if (done) return;
        done = true;
        resolveExit({ code: null, signal: null, spawnError: e });
      });
      child.once('exit', (code, signal) => {
        if (done) return;
        done = true;
        // Whatever SIPp started in its group (<exec command=...>) goes with it.
        if (child.pid) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // ESRCH: the group is already empty
          }
        }
        resolveExit({ code, signal });
      });
    });
  }

  private async run(): Promise<SippResult> {
    this.later(this.hardTimeoutMs, () => {
      if (this.settled) return;
      this.timedOut = true;
      this.settleReady(new Error(`SIPp run passed its hard bound of ${this.hardTimeoutMs} ms`));
      this.killGroup('SIGTERM');
      this.later(this.graceMs, () => this.killGroup('SIGKILL'));
    });
    const readyDeadline = this.started + (this.opts.readyTimeoutMs ?? Math.min(this.hardTimeoutMs, 10_000));
    const fixedPort = !!this.opts.localPort;
    const maxAttempts = fixedPort ? 1 : 1 + (this.opts.bindRetries ?? 3);
    let attempts = 0;
    let args: string[] = [];
    let exit: { code: number | null; signal: NodeJS.Signals | null; spawnError?: Error } = { code: null, signal: null };
    const earlierErrors: string[] = [];
    try {
      while (attempts < maxAttempts && !this.timedOut && !this.stopRequested) {
        const port = fixedPort
          ? this.opts.localPort!
          : await (this.opts.portProbe ?? probeFreePort)(this.local.address);
        if (this.timedOut || this.stopRequested) break;
        attempts++;
        this.local.port = port;
        args = buildSippArgs(this.argsInput(port));
        this.child = undefined;
        const exited = this.spawnOnce(args, attempts);
        if (this.child) void this.watchReadiness(this.child, port, readyDeadline);
        exit = await exited;
        const bindFailed = (exit.code === 254 || exit.code === -2) && !this.timedOut && !this.stopRequested;
        if (!bindFailed || attempts >= maxAttempts) break;
        earlierErrors.push(
          `attempt ${attempts}: SIPp could not bind ${this.local.address}:${port}, retrying on another port`,
        );
      }
    } catch (e) {
      exit = { code: null, signal: null, spawnError: e as Error };
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.settled = true;
    const result = this.collect(exit, args, attempts, earlierErrors);
    this.settleReady(new Error(`SIPp exited before it was ready: ${result.verdict.message}`));
    return result;
  }

  private collect(
    exit: { code: number | null; signal: NodeJS.Signals | null; spawnError?: Error },
    args: string[],
    attempts: number,
    earlierErrors: string[],
  ): SippResult {
    const max = this.opts.maxLogBytes ?? 1024 * 1024;
    const logs: SippLog[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.runDir).sort();
    } catch {
      // run dir removed under us
    }
    for (const name of names) {
      const path = join(this.runDir, name);
      const r = readLimited(path, max);
      if (r) logs.push({ name, path, ...r });
    }
    // Statistics and response times are read whole (a row per period, a line per call); logs only in part.
    const text = (name: string, limit = Number.MAX_SAFE_INTEGER): string =>
      readLimited(join(this.runDir, name), limit)?.content ?? '';
    let stats: SippStats | undefined;
    let statsError: string | undefined;
    const statsText = text('stats.csv');
    if (statsText) {
      try {
        stats = parseSippStatsCsv(statsText, this.files.stats);
      } catch (e) {
        statsError = (e as Error).message;
      }
    } else statsError = `${this.files.stats}: not written (SIPp ended before its first statistics dump)`;
    const pid = this.child?.pid;
    const rttName = pid ? names.find((n) => n.endsWith(`_${pid}_rtt.csv`)) : undefined;
    let responseTimes: RttSample[] = [];
    if (rttName) {
      try {
        responseTimes = parseSippRttCsv(text(rttName), join(this.runDir, rttName));
      } catch (e) {
        statsError = statsError ?? (e as Error).message;
      }
    }
    const errors = [
      ...earlierErrors,
      ...extractSippErrors(text('stderr.log', max)),
      ...extractSippErrors(text('errors.log', max)),
    ]
      .filter((e, i, a) => a.indexOf(e) === i)
      .slice(0, 100);
    if (exit.spawnError) errors.unshift(`could not start ${this.binary}: ${exit.spawnError.message}`);
    const verdict = exit.spawnError
      ? {
          status: 'fatal' as const,
          ok: false,
          message: `could not start SIPp (${this.binary}): ${exit.spawnError.message}`,
        }
      : attempts === 0 && this.stopRequested
        ? { status: 'stopped' as const, ok: true, message: 'stopped before SIPp started' }
        : interpretSippExit({
            code: exit.code,
            signal: exit.signal,
            timedOut: this.timedOut,
            timeoutMs: this.hardTimeoutMs,
            stopRequested: this.stopRequested,
            calls: stats
              ? {
                  total: stats.calls.successful + stats.calls.failed,
                  successful: stats.calls.successful,
                  failed: stats.calls.failed,
                }
              : undefined,
            errors,
          });
    return {
      verdict,
      exitCode: exit.code,
      signal: exit.signal,
      timedOut: this.timedOut,
      binary: this.binary,
      args,
      commandLine: `cd ${shellQuote(this.runDir)} && ${[this.binary, ...args].map(shellQuote).join(' ')}`,
      runDir: this.runDir,
      local: { ...this.local },
      transport: this.opts.transport ?? 'udp',
      pid,
      attempts,
      durationMs: Math.round(performance.now() - this.started),
      stats,
      statsError,
      responseTimes,
      responseTimeMedianMs: medianResponseMs(responseTimes),
      responseTimeP95Ms: percentileResponseMs(responseTimes, 95),
      errors,
      logs,
    };
  }
}

/**
 * Starts SIPp in the background (e.g. a UAS that something else calls) and returns at once.
 * Throws SippNotFoundError (naming the package sip-tester), SippScenarioError or SippArgsError synchronously.
 */
export function startSipp(opts: SippRunOptions): SippHandle {
  const binary = locateSipp({ binary: opts.binary });
  checkScenarioFile('SIPp scenario', opts.scenarioFile);
  checkScenarioFile('SIPp out-of-call scenario', opts.oocScenarioFile);
  let runDir: string;
  if (opts.runDir) {
    runDir = resolve(opts.runDir);
    mkdirSync(runDir, { recursive: true });
  } else runDir = mkdtempSync(join(tmpdir(), 'sipconf-sipp-'));
  return new SippRun(binary, opts, runDir);
}

/** Runs SIPp to its end (or its hard bound) and reports. Rejects only for a missing binary or bad options. */
export async function runSipp(opts: SippRunOptions): Promise<SippResult> {
  return startSipp(opts).result;
}
