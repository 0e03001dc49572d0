/**
 * Locating the external tools the report tests drive (tshark, chromium). A missing tool is a test failure with a
 * clear line, in CI and outside it: these tests never pass silently without the tool they verify with.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function requireTool(name: string, candidates: string[] = [`/usr/bin/${name}`]): string {
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    const p = execFileSync('which', [name], { encoding: 'utf8', timeout: 5000 }).trim();
    if (p) return p;
  } catch {
    /* not on PATH */
  }
  const where = process.env.CI === 'true' ? 'in CI' : 'here';
  throw new Error(
    `${name} is required for this test but is not installed ${where} (apt-get install ${name === 'tshark' ? 'tshark' : name})`,
  );
}

/** Runs tshark with a bounded time and returns stdout (stderr's "Running as root" noise is dropped). */
export function tshark(args: string[]): string {
  const bin = requireTool('tshark');
  return execFileSync(bin, args, { encoding: 'utf8', timeout: 20000, stdio: ['ignore', 'pipe', 'pipe'] });
}
