/**
 * SIPp runs in its own process group, so signals aimed at sipconf do not reach it by themselves. These tests run
 * sipconf / the library in a child Node process and check that no SIPp outlives it: on Ctrl-C (SIGINT) of
 * `sipconf sipp`, and on process.exit() of a program that left a background SIPp running.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { liveProcessesMentioning } from './support/process-group';

const root = resolve(__dirname, '..', '..');
let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sipconf-sipp-int-'));
});
afterAll(() => {
  const leftovers = liveProcessesMentioning(base);
  rmSync(base, { recursive: true, force: true });
  expect(leftovers).toEqual([]);
});

async function until(what: string, within: number, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + within;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${within} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function runNode(args: string[]): {
  pid: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((r) =>
    child.once('close', (code, signal) => r({ code, signal, out, err })),
  );
  return { pid: child.pid!, done };
}

const sippIn = (dir: string): string[] => liveProcessesMentioning(dir).filter((p) => /\/sipp /.test(p));

test('Ctrl-C on `sipconf sipp`: SIPp is stopped with it, the verdict is printed, exit 130', async () => {
  const dir = join(base, 'cli');
  const cli = runNode(['src/cli/main.ts', 'sipp', 'uas', '--timeout', '30', '--run-dir', dir]);
  try {
    await until('SIPp start', 15_000, () => sippIn(dir).length === 1);
    process.kill(cli.pid, 'SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(130);
    expect(r.out).toMatch(/STOPPED — SIPp stopped on request/);
    expect(r.err).toMatch(/interrupted by SIGINT; SIPp stopped/);
    expect(sippIn(dir)).toEqual([]);
  } finally {
    try {
      process.kill(cli.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await cli.done;
  }
}, 30_000);

test('a program that exits while a background SIPp runs takes that SIPp down with it', async () => {
  const dir = join(base, 'lib');
  const script = join(base, 'leaves-sipp-running.ts');
  writeFileSync(
    script,
    `import { startSipp } from ${JSON.stringify(join(root, 'src', 'sipp'))};\n` +
      `const h = startSipp({ builtin: 'uas', hardTimeoutMs: 60_000, runDir: ${JSON.stringify(dir)} });\n` +
      `h.ready.then((at) => { console.log('ready', at.port); setTimeout(() => process.exit(3), 200); });\n`,
  );
  const prog = runNode([script]);
  try {
    const r = await prog.done;
    expect(r.out).toMatch(/^ready \d+/);
    expect(r.code).toBe(3);
    await until('SIPp gone', 2000, () => sippIn(dir).length === 0);
  } finally {
    try {
      process.kill(prog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}, 30_000);
