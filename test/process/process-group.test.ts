/**
 * Child processes (src/process): a process group per child, a stop that reaches every process of the group and
 * escalates to SIGKILL, no straggler once the leader exits, a bounded run, and the safety net that kills every
 * group when node exits or dies of a signal. Real processes, every wait bounded.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ProcessGroup, SpawnError } from '../../src/process/process-group';
import { runBounded } from '../../src/process/run-bounded';
import { guardedGroupCount } from '../../src/process/safety-net';
import { liveGroupMembers } from '../sipp/support/process-group';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `pred` holds, at most `ms`. */
async function eventually(pred: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(20);
  }
  return pred();
}

describe('ProcessGroup', () => {
  test('stop() reaches every process the child forked, not just the leader', async () => {
    const g = await ProcessGroup.spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait']);
    expect(await eventually(() => liveGroupMembers(g.pid).length === 3)).toBe(true);
    expect(guardedGroupCount()).toBeGreaterThanOrEqual(1);
    const exit = await g.stop('SIGTERM', 2000);
    expect(exit.signal).toBe('SIGTERM');
    expect(await eventually(() => liveGroupMembers(g.pid).length === 0)).toBe(true);
  });

  test('a child that ignores SIGTERM is SIGKILLed after the grace', async () => {
    const g = await ProcessGroup.spawn('sh', ['-c', 'trap "" TERM; echo ready; sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise((r) => g.child.stdout!.once('data', r)); // the trap is set
    const t0 = performance.now();
    const exit = await g.stop('SIGTERM', 300);
    expect(exit.signal).toBe('SIGKILL');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(await eventually(() => liveGroupMembers(g.pid).length === 0)).toBe(true);
  });

  test('when the leader exits, what it left in its group is killed too', async () => {
    const g = await ProcessGroup.spawn('sh', ['-c', 'sleep 30 & exit 7']);
    const exit = await g.exited;
    expect(exit.code).toBe(7);
    expect(await eventually(() => liveGroupMembers(g.pid).length === 0)).toBe(true);
    expect(g.exit).toEqual({ code: 7, signal: null });
  });

  test('a binary that does not exist is a SpawnError naming it', async () => {
    const e = await ProcessGroup.spawn('/nonexistent/sipconf-no-such-binary', []).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SpawnError);
    expect((e as SpawnError).message).toMatch(/cannot start \/nonexistent\/sipconf-no-such-binary: .*ENOENT/);
  });
});

describe('runBounded', () => {
  test('runs a command to its end and keeps its stderr', async () => {
    const r = await runBounded('sh', ['-c', 'echo oops >&2; exit 3'], { timeoutMs: 5000 });
    expect(r).toMatchObject({ code: 3, signal: null, timedOut: false });
    expect(r.stderr.trim()).toBe('oops');
  });

  test('kills the whole group at the bound', async () => {
    const t0 = performance.now();
    const r = await runBounded('sh', ['-c', 'sleep 30 & sleep 30'], { timeoutMs: 200 });
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('the safety net: no group outlives node', () => {
  const script = path.join(__dirname, 'support/group-then-exit.ts');

  /** Runs the stand-in harness; resolves with the group id it printed and how it ended. */
  function harness(mode: 'exit' | 'wait', signalAfterStart?: NodeJS.Signals) {
    return new Promise<{ pgid: number; code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, mode], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the stand-in harness did not end within 15 s'));
      }, 15_000);
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (signalAfterStart && out.includes('\n')) child.kill(signalAfterStart);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ pgid: Number(out.trim()), code, signal });
      });
    });
  }

  test('process.exit kills the group', async () => {
    const r = await harness('exit');
    expect(r.code).toBe(0);
    expect(r.pgid).toBeGreaterThan(0);
    expect(await eventually(() => liveGroupMembers(r.pgid).length === 0)).toBe(true);
  }, 20_000);

  test.each(['SIGTERM', 'SIGINT'] as const)(
    'an unhandled %s kills the group, then ends node by that signal',
    async (sig) => {
      const r = await harness('wait', sig);
      expect(r.signal).toBe(sig);
      expect(await eventually(() => liveGroupMembers(r.pgid).length === 0)).toBe(true);
    },
    20_000,
  );
});
