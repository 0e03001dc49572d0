/**
 * `sipconf run` (contract: docs/architecture.md): exit 0 when every selected check passed (known deviations recorded
 * in the profile do not count), 1 when one failed, 2 for bad usage, a bad scenario or profile, or an unreachable
 * SUT — always with one line that names the fault.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { FAULT_NAMES, FaultName, isFaultName } from '../sut/reference';
import { runChecks } from '../runner/run';
import { UsageError } from '../transport/usage-error';
import type { SetExit } from './commands';

export function parsePositiveInt(what: string) {
  return (v: string): number => {
    if (!/^[0-9]+$/.test(v) || Number(v) <= 0)
      throw new InvalidArgumentError(`${what} must be a positive integer, got "${v}"`);
    return Number(v);
  };
}

export function parseShard(v: string): { index: number; total: number } {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(v);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]))
    throw new InvalidArgumentError(`--shard must be I/N with 1 ≤ I ≤ N, got "${v}"`);
  return { index: Number(m[1]), total: Number(m[2]) };
}

function collectFault(v: string, prev: FaultName[] = []): FaultName[] {
  if (!isFaultName(v)) throw new InvalidArgumentError(`unknown fault "${v}"; one of: ${FAULT_NAMES.join(', ')}`);
  return [...prev, v];
}

export function registerRunCommand(program: Command, setExit: SetExit): void {
  program
    .command('run')
    .description('run the conformance checks against a SUT (default: the embedded reference SUT)')
    .addOption(new Option('--target <host:port>', 'a SUT at this address (role proxy)').conflicts('sut'))
    .option('--sut <profile.yaml>', 'a SUT profile (managed when it has start:)')
    .addOption(new Option('--transport <t>', 'transport for the checks').choices(['udp', 'tcp', 'tls']))
    .option(
      '--suite <list>',
      'comma-separated suites (invite, register, outbound, outbound-ua, sipp, robustness)',
      (v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .option(
      '--scenarios <dir>',
      'also load the checks in this folder (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--grep <text>', 'only checks whose id or title contains this')
    .option('--json <file>', 'also write the summary JSON here')
    .option('--results-dir <dir>', 'Allure results directory', 'reports/allure-results')
    .option('--reports-dir <dir>', 'where summary.json, junit.xml and the HTML report go', 'reports')
    .option('--t1 <ms>', 'T1 for the harness (and the embedded SUT)', parsePositiveInt('--t1'))
    .option('--workers <n>', 'checks run in parallel', parsePositiveInt('--workers'))
    .option('--shard <i/n>', 'run shard I of N', parseShard)
    .option('--fault <name>', 'embedded SUT only: switch on a defect (repeatable)', collectFault)
    .option('--keep-results', 'keep earlier results in the results dir (Allure history)')
    .option('--no-report', 'do not generate the HTML report')
    .action(
      async (o: {
        scenarios?: string[];
        target?: string;
        sut?: string;
        transport?: 'udp' | 'tcp' | 'tls';
        suite?: string[];
        grep?: string;
        json?: string;
        resultsDir: string;
        reportsDir: string;
        t1?: number;
        workers?: number;
        shard?: { index: number; total: number };
        fault?: FaultName[];
        keepResults?: boolean;
        report: boolean;
      }) => {
        if (o.fault?.length && (o.target || o.sut))
          throw new UsageError('--fault applies to the embedded reference SUT only (no --target/--sut)');
        // Bad input (profile, scenario, target) and an unreachable SUT throw: exit 2 through exit-codes.ts.
        const { exitCode } = await runChecks({
          target: o.target,
          profile: o.sut,
          transport: o.transport,
          selection: { suites: o.suite, grep: o.grep, shard: o.shard },
          scenarioDirs: o.scenarios,
          workers: o.workers,
          t1: o.t1,
          faults: o.fault,
          json: o.json,
          resultsDir: o.resultsDir,
          reportsDir: o.reportsDir,
          report: o.report,
          keepResults: o.keepResults,
        });
        setExit(exitCode);
      },
    );
}
