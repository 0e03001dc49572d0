/**
 * `sipconf lint [--json] FILE|-`: validates one raw SIP message (docs/architecture.md). Exit 0 well-formed and carrying
 * what RFC 3261 §8.1.1 requires, 1 malformed or missing mandatory content, 2 unreadable input or bad usage.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Diagnostic } from '../sip/errors';
import { LintResult, lint } from '../sip/lint';
import { UsageError } from '../transport/usage-error';

export interface LintJson {
  valid: boolean;
  kind: 'request' | 'response' | 'unknown';
  method?: string;
  status?: number;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export function lintJson(r: LintResult): LintJson {
  return {
    valid: r.valid,
    kind: r.kind ?? 'unknown',
    ...(r.method !== undefined ? { method: r.method } : {}),
    ...(r.status !== undefined ? { status: r.status } : {}),
    errors: r.errors.map(plain),
    warnings: r.warnings.map(plain),
  };
}

function plain(d: Diagnostic): Diagnostic {
  return d.line === undefined
    ? { message: d.message, kind: d.kind }
    : { message: d.message, line: d.line, kind: d.kind };
}

/** Human report: one line per fault, `FILE:LINE: error|warning (syntax|semantic): message`. */
export function formatLint(r: LintResult, file: string): string {
  const what =
    r.kind === 'request' ? `${r.method} request` : r.kind === 'response' ? `${r.status} response` : 'message';
  const lines = [
    `${file}: ${r.valid ? 'valid' : 'INVALID'} ${what} (${r.errors.length} error(s), ${r.warnings.length} warning(s))`,
  ];
  const at = (d: Diagnostic) => `${file}:${d.line ?? '-'}`;
  for (const d of r.errors) lines.push(`${at(d)}: error (${d.kind}): ${d.message}`);
  for (const d of r.warnings) lines.push(`${at(d)}: warning (${d.kind}): ${d.message}`);
  return lines.join('\n') + '\n';
}

function readInput(file: string): Buffer {
  if (file === '-') return readFileSync(0);
  return readFileSync(file);
}

export function registerLintCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('lint')
    .description('validate one raw SIP message (RFC 3261 §7, §8.1.1, §25): exit 0 valid, 1 invalid, 2 unreadable')
    .argument('<file>', 'file holding the exact bytes of one SIP message, or - for stdin')
    .option('--json', 'print the verdict as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      let buf: Buffer;
      try {
        buf = readInput(file);
      } catch (e) {
        throw new UsageError(
          `cannot read ${file === '-' ? 'stdin' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      if (buf.length === 0) throw new UsageError(`${file === '-' ? 'stdin' : file} is empty`);
      const r = lint(buf);
      const name = file === '-' ? '<stdin>' : file;
      process.stdout.write(opts.json ? JSON.stringify(lintJson(r), null, 2) + '\n' : formatLint(r, name));
      setExit(r.valid ? 0 : 1);
    });
}
