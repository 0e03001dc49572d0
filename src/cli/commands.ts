/** Registers each subcommand. Each subcommand lives in its own module and reports its exit code through setExit. */
import type { Command } from 'commander';
import { registerLintCommand } from './lint-command';
import { registerSippCommand } from './sipp-command';
import { registerSutCommand } from './sut-command';

export type SetExit = (code: number) => void;

export function registerCommands(_program: Command, _setExit: SetExit): void {
  // Subcommands are added here as their modules land: lint, run, list, sut, report, sipp.
  registerLintCommand(_program, _setExit);
  registerSippCommand(_program, _setExit);
  registerSutCommand(_program, _setExit);
}
