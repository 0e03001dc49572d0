/** Registers each subcommand. Each subcommand lives in its own module and reports its exit code through setExit. */
import type { Command } from 'commander';
import { registerLintCommand } from './lint-command';
import { registerSippCommand } from './sipp-command';
import { registerRunCommand } from './run-command';
import { registerListCommand } from './list-command';
import { registerSutCommand } from './sut-command';
import { registerReportCommand } from './report-command';
import { registerMergeCommand } from './merge-command';
import { registerLoadCommand } from './load-command';
import { registerReplayCommand } from './replay-command';

export type SetExit = (code: number) => void;

export function registerCommands(_program: Command, _setExit: SetExit): void {
  // Subcommands are added here as their modules land: lint, run, list, sut, report, sipp.
  registerRunCommand(_program, _setExit);
  registerListCommand(_program, _setExit);
  registerLintCommand(_program, _setExit);
  registerSippCommand(_program, _setExit);
  registerSutCommand(_program, _setExit);
  registerReportCommand(_program, _setExit);
  registerMergeCommand(_program, _setExit);
  registerReplayCommand(_program, _setExit);
  registerLoadCommand(_program, _setExit);
}
