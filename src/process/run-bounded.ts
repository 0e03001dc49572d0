/**
 * A short command run to its end within a time bound (a managed SUT's `dial:` command, a CLI tool): its own process
 * group, killed whole at the bound; the tail of its stderr kept for the error message.
 */
import { ProcessGroup, type GroupExit, type SpawnGroupOptions } from './process-group';

export interface BoundedRunOptions extends Omit<SpawnGroupOptions, 'stdio'> {
  /** Past this the group gets `timeoutSignal`, then SIGKILL after `graceMs`. */
  timeoutMs: number;
  /** Default SIGKILL: a command that overran its bound has nothing left to say. */
  timeoutSignal?: NodeJS.Signals;
  /** Default 1000 ms. */
  graceMs?: number;
  /** How much of stderr to keep (the last bytes). Default 4000. */
  maxStderr?: number;
}

export interface BoundedRunResult extends GroupExit {
  timedOut: boolean;
  stderr: string;
}

/** Runs `binary` to its end or to the bound. Rejects only with SpawnError (it could not start at all). */
export async function runBounded(
  binary: string,
  args: readonly string[],
  opts: BoundedRunOptions,
): Promise<BoundedRunResult> {
  const group = await ProcessGroup.spawn(binary, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const max = opts.maxStderr ?? 4000;
  let stderr = '';
  group.child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > max) stderr = stderr.slice(-max);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void group.stop(opts.timeoutSignal ?? 'SIGKILL', opts.graceMs ?? 1000);
  }, opts.timeoutMs);
  try {
    const exit = await group.exited;
    return { ...exit, timedOut, stderr };
  } finally {
    clearTimeout(timer);
  }
}
