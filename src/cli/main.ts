#!/usr/bin/env node
/**
 * The `sipconf` command (contract: docs/architecture.md). Exit codes: 0 pass, 1 a check failed / message invalid,
 * 2 bad usage, bad input or unreachable SUT — mapped in one place, exit-codes.ts.
 */
import { Command } from 'commander';
import { registerCommands } from './commands';
import { describeExit } from './exit-codes';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('sipconf')
    .description('SIP conformance test harness (RFC 3261, RFC 5626)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode = 0;
  let command: string | undefined;
  program.hook('preAction', (_program, action) => {
    command = action.name();
  });
  registerCommands(program, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const { code, line } = describeExit(command, e);
    if (line) process.stderr.write(`${line}\n`);
    if (process.env.SIPCONF_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return code;
  }
  return exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`sipconf: internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
