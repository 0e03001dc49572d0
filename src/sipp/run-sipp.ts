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
 * - The result (sipp-result.ts) carries the verdict from the exit code, the parsed statistics, every response time
 *   (exact median), SIPp's error lines and the files it wrote, with their contents, for the report.
 * Process groups, the exit safety net and free ports come from src/process.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, statSync, accessSync, constants, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { portIsTaken, processHasBound } from '../process/bound-ports';
import { probeFreePort } from '../process/free-ports';
import { ProcessGroup, SpawnError } from '../process/process-group';
import type { Endpoint } from '../transport/types';
import { formatEndpoint } from '../transport/types';
import { buildSippArgs, socketProtocol, type SippArgsInput, type SippRunFiles } from './args';
import { locateSipp } from './locate';
import { collectSippResult, type SippExit, type SippResult } from './sipp-result';

export type { SippLog, SippResult } from './sipp-result';

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs still going, for stopAllSipp. (The safety net in src/process kills their groups when node exits.) */
const liveRuns = new Set<SippRun>();

/** Stops every SIPp this process started that is still running (e.g. on SIGINT), and waits for their results. */
export async function stopAllSipp(): Promise<SippResult[]> {
  return Promise.all([...liveRuns].map((r) => r.stop()));
}

class SippRun implements SippHandle {
  readonly local: Endpoint;
  readonly runDir: string;
  readonly ready: Promise<Endpoint>;
  readonly result: Promise<SippResult>;

  private group: ProcessGroup | undefined;
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
    this.result = this.run().finally(() => liveRuns.delete(this));
  }

  get pid(): number | undefined {
    return this.group && !this.group.exit ? this.group.pid : undefined;
  }

  stop(): Promise<SippResult> {
    if (!this.settled && !this.stopRequested) {
      this.stopRequested = true;
      if (this.group) this.finishGracefully(this.group);
    }
    return this.result;
  }

  /** SIGUSR1 asks SIPp to finish (final statistics, exit 0); SIGTERM, then SIGKILL the group if it lingers. */
  private finishGracefully(group: ProcessGroup): void {
    if (group.exit) return;
    group.signalLeader('SIGUSR1');
    this.later(this.graceMs, () => {
      group.signal('SIGTERM');
      this.later(this.graceMs, () => group.signal('SIGKILL'));
    });
  }

  /** The hard bound: SIGTERM to the group, SIGKILL after the grace. */
  private killForTimeout(group: ProcessGroup): void {
    group.signal('SIGTERM');
    this.later(this.graceMs, () => group.signal('SIGKILL'));
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

  private settleReady(value: Endpoint | Error): void {
    if (this.readySettled) return;
    this.readySettled = true;
    if (value instanceof Error) this.rejectReady(value);
    else this.resolveReady(value);
  }

  private async watchReadiness(group: ProcessGroup, port: number, deadline: number): Promise<void> {
    const proto = socketProtocol(this.opts.transport);
    while (!this.readySettled && !group.exit) {
      let bound = processHasBound(group.pid, port, proto);
      if (bound === undefined) bound = await portIsTaken(this.local.address, port, proto);
      if (bound) {
        this.settleReady({ address: this.local.address, port });
        return;
      }
      if (performance.now() > deadline) {
        const within = Math.round(deadline - this.started);
        this.settleReady(
          new Error(`SIPp did not bind ${proto.toUpperCase()} ${this.local.address}:${port} within ${within} ms`),
        );
        return;
      }
      await sleep(20);
    }
  }

  /** One SIPp process, to its exit; its output appended to stdout.log / stderr.log in the run dir. */
  private async spawnOnce(args: string[], attempt: number, port: number, readyDeadline: number): Promise<SippExit> {
    const out = openSync(join(this.runDir, 'stdout.log'), 'a');
    const err = openSync(join(this.runDir, 'stderr.log'), 'a');
    if (attempt > 1) {
      writeSync(out, `\n--- attempt ${attempt}: ${args.join(' ')}\n`);
      writeSync(err, `\n--- attempt ${attempt}\n`);
    }
    let group: ProcessGroup;
    try {
      group = await ProcessGroup.spawn(this.binary, args, {
        cwd: this.runDir,
        stdio: ['ignore', out, err],
        env: this.opts.env ?? process.env,
      });
    } catch (e) {
      if (e instanceof SpawnError) return { code: null, signal: null, spawnError: e.reason };
      throw e;
    } finally {
      closeSync(out);
      closeSync(err);
    }
    this.group = group;
    // A stop or the hard bound that came while SIPp was starting applies now.
    if (this.timedOut) this.killForTimeout(group);
    else if (this.stopRequested) this.finishGracefully(group);
    void this.watchReadiness(group, port, readyDeadline);
    // Whatever SIPp started in its group (<exec command=...>) goes with it (ProcessGroup kills the rest at exit).
    return group.exited;
  }

  private async run(): Promise<SippResult> {
    this.later(this.hardTimeoutMs, () => {
      if (this.settled) return;
      this.timedOut = true;
      this.settleReady(new Error(`SIPp run passed its hard bound of ${this.hardTimeoutMs} ms`));
      if (this.group) this.killForTimeout(this.group);
    });
    const readyDeadline = this.started + (this.opts.readyTimeoutMs ?? Math.min(this.hardTimeoutMs, 10_000));
    const fixedPort = !!this.opts.localPort;
    const maxAttempts = fixedPort ? 1 : 1 + (this.opts.bindRetries ?? 3);
    let attempts = 0;
    let args: string[] = [];
    let exit: SippExit = { code: null, signal: null };
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
        this.group = undefined;
        exit = await this.spawnOnce(args, attempts, port, readyDeadline);
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
    const result = collectSippResult({
      exit,
      binary: this.binary,
      args,
      runDir: this.runDir,
      files: this.files,
      local: this.local,
      transport: this.opts.transport ?? 'udp',
      pid: this.group?.pid,
      attempts,
      earlierErrors,
      timedOut: this.timedOut,
      hardTimeoutMs: this.hardTimeoutMs,
      stopRequested: this.stopRequested,
      durationMs: Math.round(performance.now() - this.started),
      maxLogBytes: this.opts.maxLogBytes ?? 1024 * 1024,
    });
    this.settleReady(new Error(`SIPp exited before it was ready: ${result.verdict.message}`));
    return result;
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
