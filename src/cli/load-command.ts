/**
 * `sipconf load --target HOST:PORT (--rate N --duration S | --calls N) [--concurrency N] [--scenario call|register|outbound]
 *  [--hold MS] [--transport udp|tcp] [--json FILE] [--results-dir DIR] [--uas]`: the load generator. Live progress once
 * a second on stderr, the summary on stdout, the result as JSON and into Allure (rate-over-time chart).
 * Exit 0 every call completed, 1 a call failed (or none was placed/answered), 2 bad usage or the socket could not
 * be bound.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatLoadResult, formatProgress, writeLoadAllureResult } from '../load/load-report';
import { runLoadWorkers } from '../load/load-workers';
import { startLoad, type LoadOptions, type LoadResult } from '../load/run-load';
import { parseEndpoint } from '../transport/endpoint';
import { UsageError } from '../transport/usage-error';
import type { LoadTransport } from '../load/templates';
import type { SetExit } from './commands';

function positiveNumber(what: string, allowZero = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || (!allowZero && n <= 0))
      throw new InvalidArgumentError(`${what} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${v}"`);
    return n;
  };
}

interface LoadCliOptions {
  target?: string;
  uas?: boolean;
  scenario: 'call' | 'register' | 'outbound';
  keepalive?: number;
  keepaliveTimeout?: number;
  workers: number;
  rate?: number;
  duration?: number;
  calls?: number;
  concurrency?: number;
  hold: number;
  transport: string;
  linger?: number;
  t1: number;
  local?: string;
  port?: number;
  service: string;
  users?: number;
  trying?: boolean;
  json?: string;
  resultsDir: string;
  allure: boolean;
  quiet?: boolean;
}

/** Exit code of a load result: 0 every call completed, 1 otherwise. */
export function loadExitCode(r: LoadResult): 0 | 1 {
  return r.calls.failed === 0 && r.calls.started > 0 ? 0 : 1;
}

export function registerLoadCommand(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('load')
    .description(
      'generate SIP load: place calls (INVITE-200-ACK-BYE) or REGISTERs at a rate, or answer calls (--uas); exit 0 all completed, 1 a call failed, 2 bad usage',
    );
  addLoadOptions(cmd).action((o: LoadCliOptions) => runLoadCommand(o, setExit));
}

/** The options of `sipconf load`. */
function addLoadOptions(cmd: Command): Command {
  return cmd
    .option('--target <host:port>', 'where the calls go (UAC mode)')
    .option('--uas', 'answer calls instead of placing them (180, 200, wait for ACK and BYE)')
    .addOption(
      new Option(
        '--scenario <name>',
        'UAC: call (INVITE-200-ACK-BYE), register (REGISTER storm), outbound (RFC 5626 registrations held --hold ms with STUN keep-alives)',
      )
        .choices(['call', 'register', 'outbound'])
        .default('call'),
    )
    .option(
      '--rate <n>',
      'calls started per second (absent: closed loop up to --concurrency)',
      positiveNumber('--rate'),
    )
    .option('--duration <s>', 'stop starting calls after this many seconds', positiveNumber('--duration'))
    .option('--calls <n>', 'stop after this many calls', positiveNumber('--calls'))
    .option(
      '--concurrency <n>',
      'most calls in flight at once (default unlimited with --rate, 10 without)',
      positiveNumber('--concurrency'),
    )
    .option(
      '--hold <ms>',
      'call length (pause between ACK and BYE), or how long an outbound registration is held',
      positiveNumber('--hold', true),
      0,
    )
    .option(
      '--keepalive <ms>',
      'outbound: STUN keep-alive interval (RFC 5626 §4.4.2); default 1000',
      positiveNumber('--keepalive'),
    )
    .option(
      '--keepalive-timeout <ms>',
      'outbound: how long a keep-alive waits for its pong (RFC 5626 §4.4.1); default 10000',
      positiveNumber('--keepalive-timeout'),
    )
    .addOption(
      new Option(
        '--transport <t>',
        'udp, or tcp: one connection to the target for every call (SIPp -t t1); a UAS answers on the connection each request came on',
      )
        .choices(['udp', 'tcp'])
        .default('udp'),
    )
    .option(
      '--linger <ms>',
      'tcp UAC: after the last call, leave the connection open up to MS for the peer to close it first',
      positiveNumber('--linger', true),
    )
    .option('--t1 <ms>', 'RFC 3261 T1 (retransmission and timeout timers)', positiveNumber('--t1'), 500)
    .option('--local <ip>', 'local address (default 127.0.0.1, ::1 toward an IPv6 target)')
    .option('--port <n>', 'local port (default ephemeral; set it for --uas)', positiveNumber('--port'))
    .option('-s, --service <user>', 'Request-URI user of the INVITE', 'service')
    .option('--users <n>', 'register: distinct users (user0 … userN-1)', positiveNumber('--users'))
    .option('--trying', 'UAS: send 100 Trying before 180')
    .option(
      '--workers <n>',
      'UAC: spread the load over N worker threads (one socket and event loop each)',
      positiveNumber('--workers'),
      1,
    )
    .option('--json <file>', 'write the result as JSON')
    .option('--results-dir <dir>', 'Allure results directory', 'reports/allure-results')
    .option('--no-allure', 'do not write an Allure result')
    .option('-q, --quiet', 'no progress lines');
}

/** LoadOptions from the command line; bad combinations are UsageErrors (exit 2 through exit-codes.ts). */
function loadOptionsFrom(o: LoadCliOptions): LoadOptions {
  // Bad options throw UsageError (here or in startLoad): exit 2 through exit-codes.ts.
  const usage = (msg: string): never => {
    throw new UsageError(msg);
  };
  if (!o.uas && !o.target) usage('give --target HOST:PORT (or --uas to answer calls)');
  if (o.uas && o.target) usage('--uas answers calls and takes no --target');
  if (!o.uas && o.duration === undefined && o.calls === undefined) usage('give --duration S or --calls N');
  if (!Number.isInteger(o.workers)) usage(`--workers must be a whole number, got ${o.workers}`);
  if (o.uas && o.workers > 1) usage('--workers applies to UAC loads (a UAS answers on one port)');
  return {
    mode: o.uas ? 'uas' : 'uac',
    ...(o.target ? { target: parseEndpoint(o.target, { what: '--target' }) } : {}),
    scenario: o.scenario,
    transport: o.transport as LoadTransport,
    ...(o.linger !== undefined ? { lingerMs: o.linger } : {}),
    rate: o.rate,
    durationS: o.duration,
    calls: o.calls,
    concurrency: o.concurrency,
    holdMs: o.hold,
    ...(o.keepalive ? { keepaliveMs: o.keepalive } : {}),
    ...(o.keepaliveTimeout ? { keepaliveTimeoutMs: o.keepaliveTimeout } : {}),
    t1Ms: o.t1,
    ...(o.local ? { localAddress: o.local } : {}),
    ...(o.port ? { localPort: o.port } : {}),
    service: o.service,
    ...(o.users ? { users: o.users } : {}),
    trying: !!o.trying,
    onProgress: o.quiet ? undefined : (p) => process.stderr.write(formatProgress(p) + '\n'),
  };
}

async function runLoadCommand(o: LoadCliOptions, setExit: SetExit): Promise<void> {
  const opts = loadOptionsFrom(o);
  const ac = new AbortController();
  opts.signal = ac.signal;
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: LoadResult;
  try {
    if (o.workers > 1) result = await runLoadWorkers(opts, o.workers);
    else {
      const handle = await startLoad(opts);
      if (o.uas)
        process.stderr.write(
          `sipconf load: answering calls on ${o.transport} ${handle.local.address}:${handle.local.port}\n`,
        );
      result = await handle.done;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(formatLoadResult(result));
  if (o.json) {
    const { stats: _stats, ...json } = result;
    writeFileSync(o.json, JSON.stringify(json, null, 2) + '\n');
  }
  if (o.allure) writeLoadAllureResult(o.resultsDir, result);
  setExit(loadExitCode(result));
}
