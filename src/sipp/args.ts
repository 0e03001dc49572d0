/**
 * The SIPp command line, built from typed options. SIPp always runs in the foreground (never -bg: we must own
 * its process to bound and kill it), without stdin (-nostdin), with its trace files named inside a private run
 * directory. The option names follow `sipp -h` of SIPp 3.6.
 */
import { isAbsolute, resolve } from 'node:path';

/** udp/tcp/tls, or SIPp's own modes: u1 one UDP socket, un one per call, t1/tn TCP, l1/ln TLS. */
export type SippTransport = 'udp' | 'tcp' | 'tls' | 'u1' | 'un' | 't1' | 'tn' | 'l1' | 'ln';

export const BUILTIN_SCENARIOS = [
  'uac',
  'uas',
  'regexp',
  'branchc',
  'branchs',
  'uac_pcap',
  '3pcc-C-A',
  '3pcc-C-B',
  '3pcc-A',
  '3pcc-B',
] as const;

export function transportMode(t: SippTransport = 'udp'): string {
  switch (t) {
    case 'udp':
      return 'u1';
    case 'tcp':
      return 't1';
    case 'tls':
      return 'l1';
    default:
      return t;
  }
}

/** Which socket type SIPp binds its local port with, for readiness checks. */
export function socketProtocol(t: SippTransport = 'udp'): 'udp' | 'tcp' {
  return transportMode(t).startsWith('u') ? 'udp' : 'tcp';
}

/** The files SIPp writes, all inside the run directory. */
export interface SippRunFiles {
  stats: string;
  errors: string;
  screen: string;
  messages?: string;
  logs?: string;
}

export interface SippArgsInput {
  /** An XML scenario file (-sf) ... */
  scenarioFile?: string;
  /** ... or a built-in one (-sn uac, uas, ...). */
  builtin?: string;
  /** Out-of-call scenario (-oocsf), e.g. scenarios/sipp/outbound-answer-ooc.xml. */
  oocScenarioFile?: string;
  /** Remote host:port (the SUT). Absent for a pure UAS. */
  target?: string;
  transport?: SippTransport;
  localAddress: string;
  localPort: number;
  /** Calls per rate period (-r) and the period in ms (-rp). */
  rate?: number;
  ratePeriodMs?: number;
  /** Most simultaneous calls (-l). */
  callLimit?: number;
  /** Stop after this many calls (-m). */
  calls?: number;
  /** Length of bare <pause/> elements in ms (-d). */
  callLengthMs?: number;
  /** Request-URI user (-s). */
  service?: string;
  /** SIPp's own global timeout in seconds (-timeout); reaching it counts as an error (-timeout_error). */
  sippTimeoutS?: number;
  /** Default receive timeout in ms (-recv_timeout). */
  recvTimeoutMs?: number;
  /** Socket buffer size in bytes (-buff_size). */
  bufferSize?: number;
  /** Statistics dump period in seconds (-fd). */
  statsPeriodS?: number;
  /** Dump every response time (-trace_rtt -rtt_freq 1): the exact median needs them all. */
  traceRtt?: boolean;
  /** -key NAME VALUE for [NAME] in the scenario. */
  keys?: Record<string, string>;
  /** -set NAME VALUE for [$NAME] in the scenario. */
  variables?: Record<string, string>;
  files: SippRunFiles;
  extraArgs?: string[];
}

export class SippArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SippArgsError';
  }
}

/** Options we set ourselves: passing them again as extra args would fight the run (or detach it: -bg). */
const OWNED = new Set([
  '-bg',
  '-sf',
  '-sn',
  '-i',
  '-p',
  '-t',
  '-stf',
  '-trace_stat',
  '-error_file',
  '-trace_err',
  '-screen_file',
  '-trace_screen',
  '-message_file',
  '-log_file',
  '-nostdin',
  '-fd',
]);
/** Extra-arg options whose value is a file: resolved against the caller's directory, since SIPp runs in the run dir. */
const FILE_VALUED = new Set([
  '-inf',
  '-infindex',
  '-oocsf',
  '-tls_cert',
  '-tls_key',
  '-tls_ca',
  '-tls_crl',
  '-ap_file',
]);

function positive(name: string, v: number | undefined, allowZero = false): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new SippArgsError(`${name} must be a positive number, got ${v}`);
}

export function buildSippArgs(o: SippArgsInput, callerCwd = process.cwd()): string[] {
  if (!o.scenarioFile === !o.builtin)
    throw new SippArgsError('give exactly one of scenarioFile (-sf) and builtin (-sn)');
  positive('rate', o.rate);
  positive('ratePeriodMs', o.ratePeriodMs);
  positive('callLimit', o.callLimit);
  positive('calls', o.calls);
  positive('callLengthMs', o.callLengthMs, true);
  positive('sippTimeoutS', o.sippTimeoutS);
  positive('recvTimeoutMs', o.recvTimeoutMs);
  positive('bufferSize', o.bufferSize);
  positive('statsPeriodS', o.statsPeriodS);
  if (!Number.isInteger(o.localPort) || o.localPort <= 0 || o.localPort > 65535)
    throw new SippArgsError(`localPort must be 1..65535, got ${o.localPort}`);

  const a: string[] = [];
  if (o.scenarioFile) a.push('-sf', resolve(callerCwd, o.scenarioFile));
  else a.push('-sn', o.builtin!);
  if (o.oocScenarioFile) a.push('-oocsf', resolve(callerCwd, o.oocScenarioFile));
  a.push('-t', transportMode(o.transport));
  a.push('-i', o.localAddress, '-p', String(o.localPort));
  if (o.service !== undefined) a.push('-s', o.service);
  if (o.rate !== undefined) a.push('-r', String(o.rate));
  if (o.ratePeriodMs !== undefined) a.push('-rp', `${o.ratePeriodMs}ms`);
  if (o.callLimit !== undefined) a.push('-l', String(o.callLimit));
  if (o.calls !== undefined) a.push('-m', String(o.calls));
  if (o.callLengthMs !== undefined) a.push('-d', String(o.callLengthMs));
  if (o.sippTimeoutS !== undefined) a.push('-timeout', `${o.sippTimeoutS}s`, '-timeout_error');
  if (o.recvTimeoutMs !== undefined) a.push('-recv_timeout', `${o.recvTimeoutMs}ms`);
  if (o.bufferSize !== undefined) a.push('-buff_size', String(o.bufferSize));
  for (const [k, v] of Object.entries(o.keys ?? {})) a.push('-key', k, v);
  for (const [k, v] of Object.entries(o.variables ?? {})) a.push('-set', k, v);

  // Traces: statistics (periodic rows + final), unexpected messages, the final screen, optionally every message
  // and the scenario's <log> actions, and every response time.
  a.push('-trace_stat', '-stf', o.files.stats, '-fd', `${o.statsPeriodS ?? 1}s`);
  a.push('-trace_err', '-error_file', o.files.errors);
  a.push('-trace_screen', '-screen_file', o.files.screen);
  if (o.files.messages) a.push('-trace_msg', '-message_file', o.files.messages);
  if (o.files.logs) a.push('-trace_logs', '-log_file', o.files.logs);
  if (o.traceRtt !== false) a.push('-trace_rtt', '-rtt_freq', '1');
  a.push('-nostdin');

  const extra = o.extraArgs ?? [];
  for (let i = 0; i < extra.length; i++) {
    const arg = extra[i]!;
    if (OWNED.has(arg))
      throw new SippArgsError(
        `extra SIPp argument ${arg} is managed by sipconf${arg === '-bg' ? ' (SIPp must stay in the foreground so it can be bounded and killed)' : ''}; use the typed option instead`,
      );
    a.push(arg);
    if (FILE_VALUED.has(arg) && i + 1 < extra.length) {
      const v = extra[++i]!;
      a.push(isAbsolute(v) ? v : resolve(callerCwd, v));
    }
  }
  // The remote host comes last, as sipp -h shows it.
  if (o.target) a.push(o.target);
  return a;
}
