/**
 * Suite: the wall time of `sipconf run` (every check against the embedded reference SUT) as a child process, as a
 * user runs it, with each check's own time from the summary JSON so the slow ones are visible. Target < 30 s.
 * Smoke: the INVITE suite only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchContext, BenchSection } from './main';

const ROOT = resolve(__dirname, '..');
const TARGET_MS = 30_000;
const BOUND_MS = 10 * 60_000;

interface SummaryCheck {
  id: string;
  status: string;
  durationMs: number;
}

function runCli(args: string[]): Promise<{ code: number | null; stderr: string; wallMs: number }> {
  const t0 = performance.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stderr, wallMs: Math.round(performance.now() - t0) });
    });
  });
}

export const suiteSection: BenchSection = {
  name: 'suite',
  description: 'wall time of `sipconf run` against the embedded reference SUT (target < 30 s), time per check',
  async run(ctx: BenchContext): Promise<Record<string, unknown>> {
    const dir = mkdtempSync(join(os.tmpdir(), 'sipconf-bench-suite-'));
    try {
      const json = join(dir, 'summary.json');
      const args = [
        'run',
        '--json',
        json,
        '--results-dir',
        join(dir, 'results'),
        '--reports-dir',
        dir,
        '--no-report',
        ...(ctx.smoke ? ['--suite', 'invite'] : []),
      ];
      const loadBefore = os.loadavg()[0]!;
      const r = await runCli(args);
      let summary: { durationMs: number; totals: Record<string, number>; checks: SummaryCheck[] };
      try {
        summary = JSON.parse(readFileSync(json, 'utf8'));
      } catch (e) {
        throw new Error(
          `sipconf run exited ${r.code} without a summary (${(e as Error).message}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
          { cause: e },
        );
      }
      const checks = [...summary.checks].sort((a, b) => b.durationMs - a.durationMs);
      const sumMs = checks.reduce((n, c) => n + c.durationMs, 0);
      ctx.log(
        `  sipconf run${ctx.smoke ? ' --suite invite' : ''}: ${checks.length} checks (${Object.entries(summary.totals)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}), exit ${r.code}`,
      );
      ctx.log(
        `  wall ${(r.wallMs / 1000).toFixed(1)} s (summary ${(summary.durationMs / 1000).toFixed(1)} s, checks alone ${(sumMs / 1000).toFixed(1)} s); target < ${TARGET_MS / 1000} s: ${r.wallMs < TARGET_MS ? 'met' : 'NOT met'}; load average before ${loadBefore.toFixed(2)}`,
      );
      ctx.log('  slowest checks:');
      for (const c of checks.slice(0, 8))
        ctx.log(`    ${c.id.padEnd(28)} ${String(c.durationMs).padStart(6)} ms  ${c.status}`);
      return {
        wallMs: r.wallMs,
        summaryDurationMs: summary.durationMs,
        checksMs: sumMs,
        targetMs: TARGET_MS,
        targetMet: r.wallMs < TARGET_MS,
        exitCode: r.code,
        totals: summary.totals,
        checks: checks.map((c) => ({ id: c.id, durationMs: c.durationMs, status: c.status })),
        loadAverageBefore: loadBefore,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
