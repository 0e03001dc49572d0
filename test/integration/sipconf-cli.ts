/**
 * Helpers for the integration tests with real SUTs: `sipconf run` as a child process (as CI runs it), its summary
 * JSON, and the rule that in CI a missing peer binary is a failure, never a skip.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findExecutable, missingBinaryMessage } from '../../src/process/executables';

export const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'sipconf');

export interface SummaryCheck {
  id: string;
  suite: string;
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'broken';
  durationMs: number;
  rfc: string[];
  message?: string;
}
export interface Summary {
  target: string;
  durationMs: number;
  totals: Record<'passed' | 'failed' | 'skipped' | 'broken', number>;
  checks: SummaryCheck[];
}

export function sipconf(
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM'); // sipconf stops its managed SUTs on SIGTERM
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      reject(new Error(`sipconf ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function readSummary(file: string): Summary {
  return JSON.parse(readFileSync(file, 'utf8')) as Summary;
}

/** Fails (in CI and outside it) when the peer binary is missing, naming the Debian package. */
export function requireBinary(name: string): void {
  if (!findExecutable(name))
    throw new Error(
      `${missingBinaryMessage(name)}${process.env.CI === 'true' ? ' — in CI a missing SUT is a failure' : ''}`,
    );
}

/** One line per check that did not pass, for failure messages. */
export function describeRun(s: Summary, stdout: string): string {
  const bad = s.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.status} — ${c.message ?? ''}`);
  return `${bad.join('\n')}\n--- sipconf output ---\n${stdout.slice(-4000)}`;
}
