#!/usr/bin/env node
/**
 * The `sipconf` command (contract: shared/design.md). Exit codes: 0 pass, 1 a check failed / message invalid,
 * 2 bad usage, bad input or unreachable SUT.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('sipconf')
    .description('SIP conformance test harness (RFC 3261, RFC 5626)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode = 0;
  registerCommands(program, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return 0;
      return 2;
    }
    process.stderr.write(`sipconf: ${(e as Error).message}\n`);
    return 2;
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
