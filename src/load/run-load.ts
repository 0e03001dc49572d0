/**
 * A load run: one UDP socket or one TCP connection (a listener for a TCP UAS), the UAC engine (calls or
 * registrations at a target rate and concurrency, for a duration or a count) or the UAS engine (answers calls), live
 * progress once a second, and a result with percentiles, failures by reason, the per-second series and the
 * process's memory. Every run ends in bounded time: after the last call is started, in-flight calls get `drainMs`
 * (default 64·T1 + hold + 1 s, the longest any transaction may legally take) and are then counted as failed
 * 'unfinished'.
 *
 *   const result = await runLoad({ target: '127.0.0.1:5060', rate: 500, calls: 5000 });
 *   const uas = await startLoad({ mode: 'uas', durationS: 30 }); uas.local.port; await uas.done;
 */
import { isIPv6 } from 'node:net';
import { resolveTimers } from '../transaction/timers';
import { parseEndpoint } from '../transport/endpoint';
import type { Endpoint } from '../transport/types';
import { UsageError } from '../transport/usage-error';
import { formatEndpoint } from '../transport/types';
import { openLoadSocket, type LoadIo, type LoadSocket } from './load-socket';
import { StreamLoadSocket } from './load-stream';
import type { SecondSample, StatsSnapshot } from './load-stats';
export { buildResult, type ResultMeta } from './load-result';
import { LoadRun } from './load-run';
import type { UacScenario } from './uac-engine';
import type { LoadTransport } from './templates';

export type LoadMode = 'uac' | 'uas';

export interface LoadOptions {
  /** 'uac' places calls toward `target` (default); 'uas' answers them. */
  mode?: LoadMode;
  /** UAC: where requests go, "HOST:PORT" ("[::1]:5060") or an Endpoint. */
  target?: string | Endpoint;
  /** UAC: 'call' (INVITE-200-ACK-BYE, default), 'register' (a REGISTER storm) or 'outbound' (RFC 5626
   *  registrations held for `holdMs` with STUN keep-alives every `keepaliveMs`, then removed). */
  scenario?: UacScenario;
  /** UAC: calls started per second; absent: closed loop, a new call as soon as one ends (up to `concurrency`). */
  rate?: number;
  /** Stop starting calls after this many seconds (UAS: stop answering). */
  durationS?: number;
  /** Stop after this many calls (UAC: started; UAS: ended). */
  calls?: number;
  /** UAC: most calls in flight at once (default: unlimited with a rate, 10 without). */
  concurrency?: number;
  /** outbound: keep-alive interval, ms (default 1000), and how long a ping may wait for its pong (default 10 s,
   *  RFC 5626 §4.4.1). */
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
  /** UAC: pause between ACK and BYE, or how long an outbound registration is held, ms (default 0). */
  holdMs?: number;
  /** RFC 3261 T1 and T2, ms (default 500 and 4000, each independent of the other: resolveTimers). */
  t1Ms?: number;
  t2Ms?: number;
  /** Local address (default 127.0.0.1, or ::1 toward an IPv6 target) and port (default 0, ephemeral). */
  localAddress?: string;
  localPort?: number;
  /** SO_RCVBUF / SO_SNDBUF (default 4 MiB, capped by the kernel's rmem_max/wmem_max). */
  udpBufferBytes?: number;
  /** UDP I/O path: 'batch' (the native recvmmsg/sendmmsg addon), 'dgram' (node:dgram), or 'auto' (default:
   *  batch when the addon is built; SIPCONF_LOAD_IO=dgram|batch overrides 'auto'). See load-socket.ts. */
  io?: LoadIo;
  /** 'udp' (default) or 'tcp': a UAC opens one connection to the target for every call (SIPp's `-t t1`); a UAS
   *  listens and answers each request on the connection it came on. */
  transport?: LoadTransport;
  /** TCP UAC: after the last call, how long to leave the connection open for the peer to close it first
   *  (default 0). */
  lingerMs?: number;
  /** UAC: Request-URI user (default "service", as SIPp). */
  service?: string;
  /** UAC register: domain of the AORs (default the target's address), distinct users, Expires. */
  domain?: string;
  users?: number;
  expires?: number;
  /** UAS: send 100 Trying before 180 (default false). */
  trying?: boolean;
  /** Bound on the drain after the last call started, ms. */
  drainMs?: number;
  /** Called once a second (and once at the end). */
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

export interface LoadProgress {
  elapsedS: number;
  /** The last second. */
  second: SecondSample;
  started: number;
  completed: number;
  clean: number;
  failed: number;
  retransmissions: number;
  inFlight: number;
}

export interface LoadResult {
  mode: LoadMode;
  scenario: UacScenario;
  transport: LoadTransport;
  target?: string;
  local: string;
  startedAt: string;
  durationMs: number;
  options: {
    rate?: number;
    durationS?: number;
    calls?: number;
    concurrency?: number;
    holdMs: number;
    t1Ms: number;
    t2Ms: number;
    workers?: number;
  };
  calls: { started: number; completed: number; clean: number; failed: number };
  /** Completed calls per second, over the time from the first start to the last end. */
  cps: number;
  /** Clean calls per second over the same time. */
  cleanCps: number;
  retransmissions: number;
  stray: number;
  unparseable: number;
  socketErrors: number;
  /** TCP UAC: why the run ended early, when the target dropped the connection. */
  connectionLost?: string;
  failures: Record<string, number>;
  /** Request sent → final response (UAC), 2xx sent → ACK (UAS), ms; percentiles from a 1 %-resolution histogram. */
  responseTimeMs: { mean?: number; p50?: number; p90?: number; p95?: number; p99?: number; max?: number };
  peakInFlight: number;
  memory: { rssStartBytes: number; rssPeakBytes: number; heapPeakBytes: number };
  recvBufferBytes?: number;
  sendBufferBytes?: number;
  /** The I/O path used: UDP 'batch' or 'dgram', or 'tcp' (absent in merged worker results when they differ). */
  io?: 'batch' | 'dgram' | 'tcp';
  series: SecondSample[];
  /** Every started call completed with no failure and no retransmission. */
  clean: boolean;
  stats: StatsSnapshot;
}

export interface LoadHandle {
  readonly local: Endpoint;
  readonly done: Promise<LoadResult>;
  /** Stop starting (or answering) calls, drain, and resolve `done`. */
  stop(): Promise<LoadResult>;
}

function positive(name: string, v: number | undefined, allowZero = false): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new UsageError(`${name} must be a positive number, got ${v}`);
}

/** The UDP socket, or over TCP the UAC's connection to the target or the UAS's listener; a failure is a usage error. */
async function openSocket(
  transport: LoadTransport,
  mode: LoadMode,
  localAddress: string,
  opts: LoadOptions,
  target: Endpoint | undefined,
): Promise<LoadSocket> {
  const port = opts.localPort ?? 0;
  if (transport === 'udp') {
    return openLoadSocket({
      address: localAddress,
      port,
      bufferBytes: opts.udpBufferBytes ?? 4 * 1024 * 1024,
      io: opts.io,
    }).catch((e: Error) => {
      throw new UsageError(`cannot bind UDP ${localAddress}:${port}: ${e.message}`);
    });
  }
  if (mode === 'uas') {
    return StreamLoadSocket.listen(localAddress, port).catch((e: Error) => {
      throw new UsageError(`cannot listen on TCP ${localAddress}:${port}: ${e.message}`);
    });
  }
  return StreamLoadSocket.connect(localAddress, target!).catch((e: Error) => {
    throw new UsageError(`cannot connect over TCP to ${formatEndpoint(target!)}: ${e.message}`);
  });
}

/** Runs a load and resolves with its result. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  return (await startLoad(opts)).done;
}

/** The options startLoad resolved and checked: defaults filled, the target parsed. */
export interface ResolvedLoad {
  mode: LoadMode;
  scenario: UacScenario;
  transport: LoadTransport;
  /** T1 and T2 from resolveTimers, the one source of timer values (src/transaction/timers.ts). */
  t1Ms: number;
  t2Ms: number;
  holdMs: number;
  target?: Endpoint;
  localAddress: string;
}

/** Fills the defaults and rejects what cannot run, with a UsageError. */
export function resolveLoadOptions(opts: LoadOptions): ResolvedLoad {
  const mode = opts.mode ?? 'uac';
  const scenario = opts.scenario ?? 'call';
  const holdMs = opts.holdMs ?? 0;
  for (const [k, v] of [
    ['rate', opts.rate],
    ['durationS', opts.durationS],
    ['calls', opts.calls],
    ['concurrency', opts.concurrency],
    ['t1Ms', opts.t1Ms],
    ['t2Ms', opts.t2Ms],
    ['users', opts.users],
  ] as const)
    positive(k, v);
  positive('holdMs', holdMs, true);
  positive('drainMs', opts.drainMs, true);
  positive('lingerMs', opts.lingerMs, true);
  positive('keepaliveMs', opts.keepaliveMs);
  positive('keepaliveTimeoutMs', opts.keepaliveTimeoutMs);
  if (mode === 'uac' && opts.target === undefined) throw new UsageError('a UAC load needs a target (HOST:PORT)');
  if (mode === 'uac' && opts.durationS === undefined && opts.calls === undefined)
    throw new UsageError('give a duration or a number of calls');
  const target =
    mode === 'uac'
      ? typeof opts.target === 'string'
        ? parseEndpoint(opts.target, { what: 'target' })
        : opts.target!
      : undefined;
  const localAddress = opts.localAddress ?? (target && isIPv6(target.address) ? '::1' : '127.0.0.1');
  const transport = opts.transport ?? 'udp';
  if (transport !== 'udp' && transport !== 'tcp')
    throw new UsageError(`transport must be udp or tcp, got "${transport}"`);
  // RFC 5626 §4.4.1: keep-alives on TCP are CRLF pings, whose pongs carry no id; with every registration on one
  // connection they could not be told apart, so the outbound scenario runs over UDP with STUN (§4.4.2).
  if (transport === 'tcp' && scenario === 'outbound')
    throw new UsageError('the outbound scenario runs over udp only (STUN keep-alives, RFC 5626 §4.4.2)');
  const timers = resolveTimers({ t1: opts.t1Ms, t2: opts.t2Ms });
  return { mode, scenario, transport, t1Ms: timers.t1, t2Ms: timers.t2, holdMs, target, localAddress };
}

/** Binds the socket and starts; the handle gives the local address (for a UAS) before the run ends. */
export async function startLoad(opts: LoadOptions): Promise<LoadHandle> {
  const load = resolveLoadOptions(opts);
  const socket = await openSocket(load.transport, load.mode, load.localAddress, opts, load.target);
  if (load.target) await socket.connect(load.target);
  const run = new LoadRun(load, opts, socket);
  return { local: socket.local, done: run.done, stop: () => run.stop() };
}
