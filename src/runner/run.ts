/**
 * `sipconf run`: select checks, prepare the SUT (embedded, --target or profile), probe it, run every check as a
 * jest test in the allure-jest environment (in parallel, one file per check), then write the summary JSON, JUnit,
 * Allure's environment/categories/executor files and, unless told not to, the HTML report.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pc from 'picocolors';
import { CheckDefinition, notApplicable } from '../scenario/check';
import { PUBLIC_ENTRIES, SWC_CHECK_OPTIONS } from '../scenario/check-loader';
import { Selection, loadChecks, selectChecks } from '../scenario/registry';
import type { TransportProtocol } from '../transport/types';
import { probeOptions } from '../sut/options-probe';
import type { FaultName } from '../sut/reference';
import { classifyFailure, FAILURE_STATUS, harnessError } from '../report/failures';
import { annotateSkippedResults, writeAllureRunFiles } from '../report/allure-files';
import { generateReport } from '../report/html';
import { CheckSummary, RunSummary, buildSummary, writeSummary } from '../report/summary';
import { checkMetaFor } from './check-meta';
import { PreparedSut, prepareSut } from './sut-setup';
import { RUN_CONFIG_ENV, RunConfig } from './run-config';

export interface RunOptions {
  target?: string;
  profile?: string;
  transport?: TransportProtocol;
  selection: Selection;
  /** Folders with more checks (YAML or .check.ts) besides the shipped ones. */
  scenarioDirs?: string[];
  workers?: number;
  t1?: number;
  faults?: FaultName[];
  /** Also write the summary JSON here (it always goes to <reportsDir>/summary.json). */
  json?: string;
  resultsDir: string;
  reportsDir: string;
  /** Generate the HTML report at the end (default true). */
  report?: boolean;
  /** Keep earlier results in resultsDir (history/trends); default: clear them. */
  keepResults?: boolean;
  log?: (line: string) => void;
}

/** A run that could not start: bad input or an unreachable SUT (exit 2, one line). */
export class RunSetupError extends Error {}

export interface RunOutcome {
  summary: RunSummary;
  exitCode: 0 | 1;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json lies outside the build's rootDir (src)
const HARNESS_VERSION: string = (require('../../package.json') as { version: string }).version;
/** '.ts' when sipconf runs from its sources (a clone), '.js' when it runs compiled (the package's dist/). */
const OWN_EXT = path.extname(__filename);

export async function runChecks(opts: RunOptions): Promise<RunOutcome> {
  const all = loadChecks(opts.scenarioDirs);
  const selected = selectChecks(all, opts.selection);
  // More shards than checks: this shard has nothing to run, which is not a bad selection (sipconf merge takes it).
  if (
    selected.length === 0 &&
    opts.selection.shard &&
    selectChecks(all, { ...opts.selection, shard: undefined }).length
  )
    return emptyShard(opts);
  if (selected.length === 0)
    throw new RunSetupError(
      `no check matches the selection (${describeSelection(opts.selection)}); "sipconf list" shows them all`,
    );
  const startedAt = new Date();
  const sut = await prepareSut({
    target: opts.target,
    profile: opts.profile,
    transport: opts.transport,
    t1: opts.t1,
    faults: opts.faults,
    log: opts.log,
  });
  const runDir = mkdtempSync(path.join(tmpdir(), 'sipconf-run-'));
  try {
    if (sut.probe && sut.info.address) {
      const at = sut.probeAt ?? {
        endpoint: sut.info.address,
        transport: sut.info.transports.includes('udp') ? ('udp' as const) : ('tcp' as const),
      };
      // 7 s for the probe keeps "SUT unreachable" within 10 s of the command starting (issue #4).
      const probe = await probeOptions(at.endpoint, at.transport, 7_000, { t1: Math.min(sut.info.timers.t1, 500) });
      if (!probe.ok) throw new RunSetupError(`SUT unreachable: ${probe.reason}`);
    }
    const skipReasons: Record<string, string> = {};
    for (const c of selected) {
      const why = notApplicable(c, sut.info);
      if (why) skipReasons[c.id] = why;
    }
    assertPoolLargeEnough(selected, skipReasons, sut);
    const resultsDir = path.resolve(opts.resultsDir);
    if (!opts.keepResults) rmSync(resultsDir, { recursive: true, force: true });
    mkdirSync(resultsDir, { recursive: true });
    const config = runConfig(sut, resultsDir, opts, path.join(runDir, 'leases'));
    const configFile = path.join(runDir, 'run-config.json');
    writeFileSync(configFile, JSON.stringify(config));
    for (const c of selected) writeCheckFile(runDir, c, skipReasons[c.id]);
    process.env[RUN_CONFIG_ENV] = configFile;

    const results = await runJest(runDir, opts, config, skipReasons, sut);
    const metas = Object.fromEntries(selected.map((c) => [c.id, checkMetaFor(c, sut.info)]));
    annotateSkippedResults(resultsDir, skipReasons, metas);
    const checks = selected.map((c) => summarize(c, results.get(c.id), skipReasons[c.id], sut.expectedFailures[c.id]));
    const summary = buildSummary({
      target: sut.target,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      checks,
      shard: opts.selection.shard,
    });
    writeOutputs(summary, opts, sut, resultsDir);
    if (opts.report !== false) {
      const out = path.join(path.resolve(opts.reportsDir), 'allure-report');
      try {
        const rep = await generateReport({ resultsDir, outDir: out });
        process.stdout.write(pc.dim(`Allure report: ${rep.indexHtml}\n`));
      } catch (e) {
        process.stdout.write(pc.yellow(`Allure report not generated: ${(e as Error).message}\n`));
      }
    }
    printSummary(summary, sut);
    const unexpected = summary.checks.filter(
      (c) => (c.status === 'failed' || c.status === 'broken') && !sut.expectedFailures[c.id],
    );
    return { summary, exitCode: unexpected.length ? 1 : 0 };
  } finally {
    delete process.env[RUN_CONFIG_ENV];
    await sut.stop().catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  }
}

function emptyShard(opts: RunOptions): RunOutcome {
  const summary = buildSummary({
    target: opts.target ?? opts.profile ?? 'embedded reference SUT',
    startedAt: new Date(),
    durationMs: 0,
    checks: [],
    shard: opts.selection.shard,
  });
  // No results of an earlier run may pass for this shard's (sipconf merge reads the folder).
  if (!opts.keepResults) rmSync(path.resolve(opts.resultsDir), { recursive: true, force: true });
  const reportsDir = path.resolve(opts.reportsDir);
  writeSummary(path.join(reportsDir, 'summary.json'), summary);
  if (opts.json) writeSummary(path.resolve(opts.json), summary);
  const shard = opts.selection.shard!;
  writeFileSync(
    path.join(reportsDir, 'junit.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="sipconf shard ${shard.index}/${shard.total}" tests="0" failures="0" errors="0" time="0"/>\n`,
  );
  process.stdout.write(`shard ${shard.index}/${shard.total} has no check to run (the selection has fewer checks)\n`);
  return { summary, exitCode: 0 };
}

function describeSelection(s: Selection): string {
  const parts: string[] = [];
  if (s.suites?.length) parts.push(`suite ${s.suites.join(',')}`);
  if (s.grep) parts.push(`grep "${s.grep}"`);
  if (s.shard) parts.push(`shard ${s.shard.index}/${s.shard.total}`);
  return parts.join(', ') || 'all';
}

/**
 * Before any check runs: every selected check must find enough accounts in the profile's pool for its parties,
 * else the run stops (exit 2) naming the check and how many it needs.
 */
function assertPoolLargeEnough(selected: CheckDefinition[], skip: Record<string, string>, sut: PreparedSut): void {
  const pool = sut.info.accounts;
  if (!pool) return;
  const short = selected.filter((c) => !skip[c.id] && (c.parties?.length ?? 0) > pool.length);
  if (short.length === 0) return;
  const worst = short.sort((a, b) => b.parties!.length - a.parties!.length)[0]!;
  throw new RunSetupError(
    `the SUT profile's accounts pool has ${pool.length} account(s), but ${worst.id} needs ${worst.parties!.length} (${worst.parties!.join(', ')})${short.length > 1 ? ` and ${short.length - 1} more check(s) need more than ${pool.length}` : ''}: add accounts to the profile or deselect those checks`,
  );
}

function runConfig(sut: PreparedSut, resultsDir: string, opts: RunOptions, leaseDir: string): RunConfig {
  const t = sut.info.timers;
  return {
    leaseDir,
    sut: sut.info,
    resultsDir,
    secrets: sut.secrets,
    // Several 64·T1 waits can follow one another in a failing check; bound the whole at 6 of them (min 30 s).
    checkTimeoutMs: Math.max(30_000, 6 * 64 * t.t1),
    endpointNames: sut.endpointNames,
    expectedFailures: sut.expectedFailures,
    sutLogPath: sut.logPath,
    parameters: { SUT: sut.info.name, transport: opts.transport ?? sut.info.transports.join(','), T1: `${t.t1} ms` },
    uaProfile: sut.uaProfile,
  };
}

function writeCheckFile(runDir: string, c: CheckDefinition, skip: string | undefined): void {
  const entry = path.resolve(__dirname, `jest-check${OWN_EXT}`);
  const body = `// generated by sipconf run\nimport { runCheckTest } from ${JSON.stringify(entry)};\nrunCheckTest(${JSON.stringify(c.id)}, ${JSON.stringify(c.source)}${skip ? `, ${JSON.stringify(skip)}` : ''});\n`;
  writeFileSync(path.join(runDir, `${c.id}.check-test.ts`), body);
}

interface TestOutcome {
  status: 'passed' | 'failed' | 'pending' | string;
  durationMs: number;
  message?: string;
}

async function runJest(
  runDir: string,
  opts: RunOptions,
  config: RunConfig,
  skipReasons: Record<string, string>,
  sut: PreparedSut,
): Promise<Map<string, TestOutcome>> {
  const { runCLI } = await import('jest');
  const reportsDir = path.resolve(opts.reportsDir);
  mkdirSync(reportsDir, { recursive: true });
  const jestConfig = {
    rootDir: runDir,
    roots: [runDir],
    testMatch: ['**/*.check-test.ts'],
    testEnvironment: require.resolve('allure-jest/node'),
    testEnvironmentOptions: { resultsDir: config.resultsDir },
    // The generated files, the shipped .check.ts and a user's own are TypeScript; the harness's dist/ is not.
    transform: { '^.+\\.ts$': [require.resolve('@swc/jest'), SWC_CHECK_OPTIONS] },
    // Checks import `sipconf` and `sipconf/check`: the very modules of this harness (one instance of the API).
    moduleNameMapper: Object.fromEntries(Object.entries(PUBLIC_ENTRIES).map(([name, file]) => [`^${name}$`, file])),
    transformIgnorePatterns: ['/node_modules/(?!sipconf/)'],
    testTimeout: config.checkTimeoutMs + 15_000,
    cacheDirectory: path.join(tmpdir(), 'sipconf-jest-cache'),
    reporters: [
      [path.resolve(__dirname, `progress-reporter${OWN_EXT}`), { skipReasons, expected: sut.expectedFailures }],
      [
        require.resolve('jest-junit'),
        {
          outputDirectory: reportsDir,
          outputName: 'junit.xml',
          suiteName: `sipconf against ${sut.info.name}`,
          titleTemplate: '{title}',
          classNameTemplate: '{filename}',
          ancestorSeparator: ' › ',
        },
      ],
    ],
  };
  // A config file in the run dir is read as the root configuration (global options such as reporters allowed).
  writeFileSync(path.join(runDir, 'jest.config.json'), JSON.stringify(jestConfig));
  const { results } = await runCLI(
    {
      maxWorkers: opts.workers ?? 2,
      silent: true,
      _: [],
      $0: 'sipconf',
    } as never,
    [runDir],
  );
  const out = new Map<string, TestOutcome>();
  for (const file of results.testResults) {
    const id = path.basename(file.testFilePath).replace(/\.check-test\.ts$/, '');
    const t = file.testResults[0];
    if (!t) {
      out.set(id, {
        status: 'failed',
        durationMs: 0,
        message: harnessError(file.testExecError?.message ?? file.failureMessage ?? 'the check file did not run'),
      });
      continue;
    }
    const detail = t.failureDetails[0] as { message?: string } | undefined;
    const message = (detail?.message ?? t.failureMessages[0]?.split('\n')[0])?.replace(/^[A-Za-z]*Error: /, '');
    out.set(id, { status: t.status, durationMs: t.duration ?? 0, message });
  }
  return out;
}

function summarize(
  c: CheckDefinition,
  r: TestOutcome | undefined,
  skip: string | undefined,
  known: { rfc: string; reason: string } | undefined,
): CheckSummary {
  const base = { id: c.id, suite: c.suite, title: c.title, rfc: c.rfc };
  if (skip) return { ...base, status: 'skipped', durationMs: 0, message: `skipped: ${skip}` };
  if (!r) return { ...base, status: 'broken', durationMs: 0, message: harnessError('the check produced no result') };
  if (r.status === 'passed') return { ...base, status: 'passed', durationMs: r.durationMs };
  const message = r.message ?? harnessError('no failure message');
  const kind = classifyFailure(message);
  const status = kind ? FAILURE_STATUS[kind] : 'broken';
  const text = kind ? message : harnessError(message);
  return {
    ...base,
    status,
    durationMs: r.durationMs,
    message: known ? `known deviation (${known.rfc}: ${known.reason}) — ${text}` : text,
  };
}

function writeOutputs(summary: RunSummary, opts: RunOptions, sut: PreparedSut, resultsDir: string): void {
  const reportsDir = path.resolve(opts.reportsDir);
  writeSummary(path.join(reportsDir, 'summary.json'), summary, { secrets: sut.secrets });
  if (opts.json) writeSummary(path.resolve(opts.json), summary, { secrets: sut.secrets });
  writeAllureRunFiles(
    resultsDir,
    {
      sutName: sut.info.name,
      sutVersion: sut.version,
      target: sut.target,
      transport: sut.info.transports.join(','),
      harnessVersion: HARNESS_VERSION,
      extra: { T1: `${sut.info.timers.t1} ms`, role: sut.info.role },
    },
    { secrets: sut.secrets },
  );
}

function printSummary(s: RunSummary, sut: PreparedSut): void {
  const w = Math.max(...s.checks.map((c) => c.id.length), 8);
  const lines = ['', pc.bold(`sipconf — ${s.target}`), ''];
  const color = (st: string) => (st === 'passed' ? pc.green : st === 'skipped' ? pc.yellow : pc.red);
  for (const c of s.checks) {
    const known = sut.expectedFailures[c.id] && c.status !== 'passed' ? pc.yellow(' (known deviation)') : '';
    lines.push(
      `  ${c.id.padEnd(w)}  ${color(c.status)(c.status.padEnd(7))} ${String(c.durationMs).padStart(6)} ms  ${pc.dim(c.rfc[0] ?? '')}${known}`,
    );
  }
  const t = s.totals;
  lines.push(
    '',
    `${t.passed} passed, ${t.failed} failed, ${t.broken} broken, ${t.skipped} skipped in ${(s.durationMs / 1000).toFixed(1)} s`,
    '',
  );
  process.stdout.write(lines.join('\n'));
}
