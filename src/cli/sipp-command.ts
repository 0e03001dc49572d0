/**
 * `sipconf sipp SCENARIO.xml [--target HOST:PORT] [--transport udp|tcp|tls] [--rate N] [--count N] [--timeout S]
 * [-- extra sipp args]`: runs one SIPp scenario with a hard time bound and prints a short verdict.
 * Exit 0 every call succeeded, 1 a call failed / no call / timed out, 2 bad usage, unreadable scenario, SIPp
 * missing (package sip-tester) or unable to run at all; 130/143 when interrupted by SIGINT/SIGTERM (SIPp is
 * stopped first: it runs in its own process group, which the terminal's Ctrl-C does not reach).
 */
import { statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BUILTIN_SCENARIOS, type SippTransport } from '../sipp/args';
import { startSipp, type SippResult, type SippRunOptions } from '../sipp/run-sipp';
import { parseEndpoint } from '../transport/endpoint';
import { UsageError } from '../transport/usage-error';

interface SippCliOptions {
  target?: string;
  transport: string;
  rate?: string;
  ratePeriod?: string;
  limit?: string;
  count?: string;
  timeout: string;
  service?: string;
  local: string;
  port?: string;
  ooc?: string;
  callLength?: string;
  traceMsg?: boolean;
  runDir?: string;
  json?: string;
  sipp?: string;
}

function int(name: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || !/^\d+(\.\d+)?$/.test(v))
    throw new UsageError(`--${name} must be a number >= ${min}, got "${v}"`);
  return n;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Exit code for a verdict (docs/architecture.md: 0 pass, 1 a check failed, 2 could not run at all). */
export function sippExitCode(r: SippResult): 0 | 1 | 2 {
  if (r.verdict.ok) return 0;
  switch (r.verdict.status) {
    case 'fatal':
    case 'bind-failed':
    case 'crashed':
      return 2;
    default:
      return 1;
  }
}

export function formatSippResult(r: SippResult, scenario: string, target?: string): string {
  const lines: string[] = [];
  const where = target ? ` → ${target}` : '';
  lines.push(
    `sipp ${scenario}${where} (${r.transport}, local ${r.local.address}:${r.local.port}): ${r.verdict.status === 'passed' ? 'PASSED' : r.verdict.status.toUpperCase()} — ${r.verdict.message}`,
  );
  if (r.stats) {
    const s = r.stats;
    const median =
      r.responseTimeMedianMs === undefined
        ? 'no response times measured'
        : `response time median ${r.responseTimeMedianMs} ms, p95 ${r.responseTimeP95Ms} ms`;
    lines.push(
      `  calls: ${s.calls.successful} ok, ${s.calls.failed} failed · retransmissions: ${s.retransmissions} · ${median} · ${r.durationMs} ms`,
    );
    const reasons = Object.entries(s.failures).map(([k, v]) => `${k} ${v}`);
    if (reasons.length) lines.push(`  failures: ${reasons.join(', ')}`);
  } else if (r.statsError) lines.push(`  statistics: ${r.statsError}`);
  for (const e of r.errors.slice(0, 3)) lines.push(`  sipp: ${e.length > 300 ? `${e.slice(0, 300)}…` : e}`);
  lines.push(`  files: ${r.runDir} (${r.logs.map((l) => l.name).join(', ')})`);
  lines.push(`  rerun: ${r.commandLine}`);
  return lines.join('\n') + '\n';
}

/** The run options for `sipconf sipp`, or UsageError. */
function sippOptions(scenario: string, sippArgs: string[], o: SippCliOptions): SippRunOptions {
  const builtin =
    !isFile(scenario) && (BUILTIN_SCENARIOS as readonly string[]).includes(scenario) ? scenario : undefined;
  if (!builtin && !isFile(scenario))
    throw new UsageError(
      `scenario file ${scenario}: no such file (nor a built-in scenario: ${BUILTIN_SCENARIOS.join(', ')})`,
    );
  const timeoutS = int('timeout', o.timeout)!;
  const rate = int('rate', o.rate);
  // With a rate and no count SIPp would place calls until the timeout, and report that as a failure.
  if (rate !== undefined && o.count === undefined)
    throw new UsageError('--rate needs --count (otherwise SIPp calls until --timeout and ends in error)');
  if (!['udp', 'tcp', 'tls', 'u1', 'un', 't1', 'tn', 'l1', 'ln'].includes(o.transport))
    throw new UsageError(`--transport must be udp, tcp or tls, got "${o.transport}"`);
  // SIPp's remote host defaults to port 5060 when none is given.
  const target = o.target === undefined ? undefined : parseEndpoint(o.target, { what: '--target', defaultPort: 5060 });
  return {
    ...(builtin ? { builtin } : { scenarioFile: scenario }),
    target,
    transport: o.transport as SippTransport,
    rate,
    ratePeriodMs: int('rate-period', o.ratePeriod),
    callLimit: int('limit', o.limit),
    calls: int('count', o.count) ?? 1,
    callLengthMs: int('call-length', o.callLength, 0),
    service: o.service,
    localAddress: o.local,
    localPort: int('port', o.port),
    oocScenarioFile: o.ooc,
    traceMessages: !!o.traceMsg,
    traceLogs: true,
    runDir: o.runDir,
    binary: o.sipp,
    sippTimeoutS: timeoutS,
    hardTimeoutMs: timeoutS * 1000 + 5000,
    extraArgs: sippArgs,
  };
}

export function registerSippCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('sipp')
    .description(
      'run one SIPp scenario with a hard time bound and report it: exit 0 all calls ok, 1 a call failed, 2 could not run',
    )
    .argument('<scenario>', `SIPp XML scenario file, or a built-in scenario (${BUILTIN_SCENARIOS.join(', ')})`)
    .argument('[sippArgs...]', 'extra SIPp arguments after --, passed as they are (not -bg)')
    .option('--target <host:port>', 'the SUT (omit for a scenario that only answers)')
    .option('--transport <t>', 'udp | tcp | tls (or SIPp modes u1, un, t1, tn, l1, ln)', 'udp')
    .option('--rate <n>', 'calls per rate period (-r)')
    .option('--rate-period <ms>', 'rate period in ms (-rp)')
    .option('--limit <n>', 'most simultaneous calls (-l)')
    .option('--count <n>', 'stop after this many calls (-m); default 1, required with --rate')
    .option('--timeout <s>', 'hard bound for the whole run, seconds (SIPp also gets -timeout)', '30')
    .option('-s, --service <user>', 'Request-URI user (-s)')
    .option('--call-length <ms>', 'length of <pause/> elements (-d)')
    .option('--local <ip>', 'local address (-i)', '127.0.0.1')
    .option('--port <n>', 'local port (-p); default a free one')
    .option('--ooc <file>', 'out-of-call scenario (-oocsf), e.g. scenarios/sipp/outbound-answer-ooc.xml')
    .option('--trace-msg', 'also log every message (-trace_msg)')
    .option('--run-dir <dir>', 'where SIPp runs and writes its files (default a fresh temp dir)')
    .option('--json <file>', 'write the result (verdict, counts, response times, file paths) as JSON')
    .option('--sipp <path>', 'the sipp binary (default $SIPCONF_SIPP or sipp on PATH)')
    .action(async (scenario: string, sippArgs: string[], o: SippCliOptions) => {
      // Bad usage throws UsageError; startSipp throws SippNotFoundError, SippScenarioError or SippArgsError: exit 2.
      const handle = startSipp(sippOptions(scenario, sippArgs, o));
      // SIPp runs in its own process group, out of reach of the terminal's Ctrl-C: pass the signal on.
      let interrupted: NodeJS.Signals | undefined;
      const onSignal = (sig: NodeJS.Signals): void => {
        interrupted = sig;
        void handle.stop();
      };
      // `on`, not `once`: while this listener is there, the safety net (src/process) leaves the signal to us.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let result: SippResult;
      try {
        result = await handle.result;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
      if (interrupted) {
        process.stdout.write(formatSippResult(result, scenario, o.target));
        process.stderr.write(`sipconf sipp: interrupted by ${interrupted}; SIPp stopped\n`);
        setExit(interrupted === 'SIGINT' ? 130 : 143);
        return;
      }
      process.stdout.write(formatSippResult(result, scenario, o.target));
      if (o.json) {
        const { logs, ...rest } = result;
        const json = {
          ...rest,
          stats: result.stats && {
            calls: result.stats.calls,
            retransmissions: result.stats.retransmissions,
            failures: result.stats.failures,
            responseTimeMeansMs: result.stats.responseTimeMeansMs,
            callLengthMeanMs: result.stats.callLengthMeanMs,
            callRate: result.stats.callRate,
          },
          responseTimes: undefined,
          files: logs.map((l) => ({ name: l.name, path: l.path, bytes: l.bytes })),
        };
        writeFileSync(o.json, JSON.stringify(json, null, 2) + '\n');
      }
      setExit(sippExitCode(result));
    });
}
