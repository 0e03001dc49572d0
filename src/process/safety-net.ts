/**
 * No child process group outlives the harness. Every group sipconf starts (process-group.ts) is registered here
 * while it lives; when node exits, each is killed (SIGKILL, synchronously — nothing asynchronous runs in 'exit').
 *
 * A group runs in its own session-less process group (spawn detached) so a kill reaches every worker it forks —
 * which also means the terminal's Ctrl-C does not reach it. So on SIGINT / SIGTERM / SIGHUP that nobody else
 * handles (the signal would end node without 'exit'), the groups are killed first and the signal is raised again.
 * A command that handles the signal itself (sipconf sipp stops SIPp gracefully) keeps that job — it must listen
 * with process.on, not once (a once-listener is gone by the time this one looks); 'exit' still catches whatever it
 * leaves behind.
 */
const live = new Map<number, () => void>();
let installed = false;

function killAll(): void {
  for (const kill of live.values()) kill();
  live.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(sig) > 1) return; // someone else handles it
      killAll();
      // With no listener left the signal does what it would have done: end node.
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Registers a live group; `kill` must be synchronous (it runs in process 'exit'). */
export function guardGroup(pgid: number, kill: () => void): void {
  install();
  live.set(pgid, kill);
}

/** The group is gone (or killed by its owner): forget it. */
export function releaseGroup(pgid: number): void {
  live.delete(pgid);
}

/** How many groups are guarded now (for tests). */
export function guardedGroupCount(): number {
  return live.size;
}
