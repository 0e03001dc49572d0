/**
 * Determinism soak: runs the suite N times (each run a fresh `sipconf run` process against a fresh SUT) and reports
 * every check whose verdict changed between runs. Flaky checks are fixed at their cause, never retried into green:
 * this only finds them, with the messages of the runs that differ.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SoakCheckResult {
  id: string;
  status: string;
  durationMs: number;
  message?: string;
}

export interface SoakRun {
  index: number;
  exitCode: number | null;
  durationMs: number;
  checks: SoakCheckResult[];
  /** Set when the run produced no summary (crash, hang, bad usage). */
  error?: string;
}

export interface Flake {
  id: string;
  /** Status per run, in run order ("missing" when the run had no result for it). */
  statuses: string[];
  /** The first message of each different non-passing verdict. */
  messages: string[];
}

export interface SoakOptions {
  runs: number;
  /** Extra arguments for `sipconf run` (--sut PROFILE, --suite, --workers...). */
  runArgs: string[];
  /** Bound on one run (ms). */
  runTimeoutMs: number;
  log: (line: string) => void;
}

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'sipconf');

/** One `sipconf run` in a child process, its summary read from --json. */
export function runOnce(index: number, opts: SoakOptions): Promise<SoakRun> {
  const dir = mkdtempSync(path.join(tmpdir(), `sipconf-soak-${index}-`));
  const json = path.join(dir, 'summary.json');
  const args = [
    BIN,
    'run',
    ...opts.runArgs,
    '--no-report',
    '--json',
    json,
    '--results-dir',
    path.join(dir, 'results'),
    '--reports-dir',
    path.join(dir, 'reports'),
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.runTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const durationMs = Date.now() - started;
      let checks: SoakCheckResult[] = [];
      let error: string | undefined;
      try {
        checks = (JSON.parse(readFileSync(json, 'utf8')) as { checks: SoakCheckResult[] }).checks;
      } catch {
        error = signal
          ? `killed by ${signal} after ${durationMs} ms (bound ${opts.runTimeoutMs} ms)`
          : `exit ${code} without a summary: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ index, exitCode: code, durationMs, checks, ...(error ? { error } : {}) });
    });
  });
}

/** Checks whose verdict is not the same in every run. */
export function findFlakes(runs: SoakRun[]): Flake[] {
  const ids = [...new Set(runs.flatMap((r) => r.checks.map((c) => c.id)))].sort();
  const flakes: Flake[] = [];
  for (const id of ids) {
    const per = runs.map((r) => r.checks.find((c) => c.id === id));
    const statuses = per.map((c) => c?.status ?? 'missing');
    if (new Set(statuses).size <= 1) continue;
    const messages = [
      ...new Set(per.filter((c) => c && c.status !== 'passed').map((c) => `${c!.status}: ${c!.message ?? ''}`)),
    ];
    flakes.push({ id, statuses, messages });
  }
  return flakes;
}

export async function soak(opts: SoakOptions): Promise<{ runs: SoakRun[]; flakes: Flake[] }> {
  const runs: SoakRun[] = [];
  for (let i = 1; i <= opts.runs; i++) {
    const r = await runOnce(i, opts);
    runs.push(r);
    const t = { passed: 0, failed: 0, broken: 0, skipped: 0 } as Record<string, number>;
    for (const c of r.checks) t[c.status] = (t[c.status] ?? 0) + 1;
    opts.log(
      `run ${i}/${opts.runs}: ${r.error ?? `${t.passed} passed, ${t.failed} failed, ${t.broken} broken, ${t.skipped} skipped`} in ${(r.durationMs / 1000).toFixed(1)} s`,
    );
  }
  return { runs, flakes: findFlakes(runs) };
}
