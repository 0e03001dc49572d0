/**
 * A child process in its own process group (spawn detached), so one signal reaches everything it forks (Kamailio's
 * workers, the shells SIPp's <exec> starts). Guarded by the safety net while it lives; when its leader exits, what
 * is left of the group is killed too, so no process outlives it.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { guardGroup, releaseGroup } from './safety-net';

export interface GroupExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnGroupOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdin, stdout, stderr: 'ignore', 'pipe' or an open file descriptor (closed by the caller after spawn). */
  stdio?: StdioOptions;
}

/** The binary could not be started at all (ENOENT, EACCES...). */
export class SpawnError extends Error {
  constructor(
    readonly binary: string,
    /** Node's own error (ENOENT, EACCES...). */
    readonly reason: Error,
  ) {
    super(`cannot start ${binary}: ${reason.message}`);
    this.name = 'SpawnError';
  }
}

/** Signals a whole process group; a group that is already gone (ESRCH) is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True when `p` settled within `ms`; the timer is cleared either way. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (t = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timedOut]);
  } finally {
    clearTimeout(t);
  }
}

export class ProcessGroup {
  /** The leader's pid, which is also the process group id. */
  readonly pid: number;
  /** Resolves when the leader exited (and the rest of its group was killed). Never rejects. */
  readonly exited: Promise<GroupExit>;
  private exitInfo: GroupExit | undefined;
  private stopping: Promise<GroupExit> | undefined;

  private constructor(readonly child: ChildProcess) {
    this.pid = child.pid!;
    guardGroup(this.pid, () => signalGroup(this.pid, 'SIGKILL'));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        // Workers the leader left behind (same process group) go too.
        signalGroup(this.pid, 'SIGKILL');
        releaseGroup(this.pid);
        resolve(this.exitInfo);
      });
    });
  }

  /** Starts `binary` in a new process group; resolves once it runs, rejects with SpawnError when it cannot. */
  static spawn(binary: string, args: readonly string[], opts: SpawnGroupOptions = {}): Promise<ProcessGroup> {
    let child: ChildProcess;
    try {
      child = spawn(binary, args, { cwd: opts.cwd, env: opts.env, stdio: opts.stdio ?? 'ignore', detached: true });
    } catch (e) {
      return Promise.reject(new SpawnError(binary, e as Error));
    }
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(new ProcessGroup(child)));
      child.once('error', (e) => {
        // 'error' after 'spawn' (a failed kill) is not a start failure; the promise has settled already then.
        reject(new SpawnError(binary, e));
      });
    });
  }

  /** The leader's exit, once it has exited. */
  get exit(): GroupExit | undefined {
    return this.exitInfo;
  }

  /** Signals every process of the group. */
  signal(signal: NodeJS.Signals): void {
    signalGroup(this.pid, signal);
  }

  /** Signals the leader only (SIPp's SIGUSR1: "finish and write the final statistics"). */
  signalLeader(signal: NodeJS.Signals): void {
    if (this.exitInfo) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /**
   * `signal` (default SIGTERM) to the group, SIGKILL after `graceMs`, and waits (at most 5 s more) for the exit.
   * Idempotent: a second call returns the first one's promise.
   */
  stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<GroupExit> {
    this.stopping ??= (async () => {
      if (!this.exitInfo) {
        this.signal(signal);
        if (!(await settlesWithin(this.exited, graceMs))) {
          this.signal('SIGKILL');
          await settlesWithin(this.exited, 5000);
        }
      }
      this.signal('SIGKILL');
      releaseGroup(this.pid);
      return this.exitInfo ?? { code: null, signal: 'SIGKILL' };
    })();
    return this.stopping;
  }
}
