/**
 * The one place where the CLI turns an error into an exit code (docs/architecture.md, "Exit codes"):
 *   0 every selected check passed, 1 a check failed (lint: the message is invalid; replay: the target stopped
 *   answering), 2 bad usage, a bad input file (named file:line where known) or a SUT that cannot be reached or
 *   started — printed as one line, `sipconf COMMAND: reason`.
 * Commands report 0/1 through setExit and throw for everything that is exit 2; main.ts calls describeExit.
 */
import { CommanderError } from 'commander';
import { PcapError } from '../replay/pcap-reader';
import { ReplayInputError } from '../replay/replay';
import { ReportInputError } from '../report/html';
import { RunSetupError } from '../runner/run';
import { ScenarioError } from '../scenario/yaml-scenario';
import { SippArgsError } from '../sipp/args';
import { SippNotFoundError } from '../sipp/locate';
import { SippScenarioError } from '../sipp/run-sipp';
import { SutStartError } from '../sut/managed';
import { ProfileError } from '../sut/profile';
import { UsageError } from '../transport/usage-error';

export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A SUT (or replay target) that does not answer at all: exit 2 with one line, not a failed check. */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/** Errors that are the user's input or environment, not a harness bug: their message is the whole story. */
const INPUT_ERRORS = [
  UsageError,
  ProfileError,
  ScenarioError,
  RunSetupError,
  UnreachableError,
  SutStartError,
  SippArgsError,
  SippScenarioError,
  SippNotFoundError,
  ReplayInputError,
  PcapError,
  ReportInputError,
];

export function isInputError(e: unknown): e is Error {
  // A failed system call (EACCES on the reports dir, EADDRINUSE) is the environment, not a harness bug.
  return INPUT_ERRORS.some((cls) => e instanceof cls) || (e instanceof Error && 'syscall' in e);
}

/** The exit code and the one line to print for an error thrown out of `sipconf COMMAND`. */
export function describeExit(command: string | undefined, e: unknown): { code: number; line?: string } {
  if (e instanceof CommanderError) {
    // Commander printed its own message (unknown option, missing argument, bad choice) already.
    const quiet = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(e.code);
    return { code: quiet ? EXIT_PASSED : EXIT_USAGE };
  }
  const prefix = command ? `sipconf ${command}` : 'sipconf';
  const message = e instanceof Error ? e.message : String(e);
  // One line: a ProfileError lists every problem on its own line, a SutStartError adds the SUT's log excerpt.
  let first = message.split('\n')[0]!;
  if (e instanceof ProfileError && e.issues.length > 1) first += ` (and ${e.issues.length - 1} more in the file)`;
  return { code: EXIT_USAGE, line: isInputError(e) ? `${prefix}: ${first}` : `${prefix}: internal error: ${first}` };
}
