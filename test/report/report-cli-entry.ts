/** Runs only the `report` subcommand, as bin/sipconf would, for the command tests (independent of the runner). */
import { Command } from 'commander';
import { describeExit } from '../../src/cli/exit-codes';
import { registerReportCommand } from '../../src/cli/report-command';

let code = 0;
const program = new Command('sipconf').exitOverride();
registerReportCommand(program, (c) => (code = c));
program.parseAsync(process.argv.slice(2), { from: 'user' }).then(
  () => process.exit(code),
  (e: Error) => {
    const exit = describeExit('report', e);
    if (exit.line) process.stderr.write(`${exit.line}\n`);
    process.exit(exit.code);
  },
);
