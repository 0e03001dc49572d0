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
import { parseEndpoint } from '../transport/endpoint';
import type { Endpoint } from '../transport/types';
import { UsageError } from '../transport/usage-error';
import { formatEndpoint } from '../transport/types';
import { openLoadSocket, type LoadIo, type LoadSocket } from './load-socket';
import { StreamLoadSocket } from './load-stream';
import { percentile, type SecondSample, type StatsSnapshot } from './load-stats';
import { UacEngine, type UacScenario } from './uac-engine';
import { UasEngine } from './uas-engine';
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
  /** RFC 3261 T1 and T2, ms (default 500 and 4000). */
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

function ms(x: number | undefined): number | undefined {
  return x === undefined ? undefined : Math.round(x * 1000) / 1000;
}

export interface ResultMeta extends Pick<
  LoadResult,
  | 'mode'
  | 'scenario'
  | 'transport'
  | 'target'
  | 'local'
  | 'startedAt'
  | 'durationMs'
  | 'options'
  | 'socketErrors'
  | 'connectionLost'
  | 'memory'
  | 'recvBufferBytes'
  | 'sendBufferBytes'
  | 'io'
> {
  /** First call started → last call ended, ms (the rates are over this span). */
  spanMs: number;
}

/** A result from counters (one engine's, or the merged counters of worker threads). */
export function buildResult(snap: StatsSnapshot, meta: ResultMeta): LoadResult {
  const { spanMs, ...rest } = meta;
  const spanS = Math.max(0.001, spanMs / 1000);
  const h = snap.histogram;
  const answered = h.reduce((x, y) => x + y, 0);
  return {
    ...rest,
    calls: { started: snap.started, completed: snap.completed, clean: snap.clean, failed: snap.failed },
    cps: Math.round((snap.completed / spanS) * 10) / 10,
    cleanCps: Math.round((snap.clean / spanS) * 10) / 10,
    retransmissions: snap.retransmissions,
    stray: snap.stray,
    unparseable: snap.unparseable,
    failures: snap.failures,
    responseTimeMs: {
      mean: answered ? ms(snap.sumResponseMs / answered) : undefined,
      p50: percentile(h, 50),
      p90: percentile(h, 90),
      p95: percentile(h, 95),
      p99: percentile(h, 99),
      max: percentile(h, 100),
    },
    peakInFlight: snap.peakInFlight,
    series: snap.series,
    clean: snap.started > 0 && snap.failed === 0 && snap.retransmissions === 0 && snap.clean === snap.started,
    stats: snap,
  };
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

/** Binds the socket and starts; the handle gives the local address (for a UAS) before the run ends. */
export async function startLoad(opts: LoadOptions): Promise<LoadHandle> {
  const mode = opts.mode ?? 'uac';
  const scenario = opts.scenario ?? 'call';
  const t1Ms = opts.t1Ms ?? 500;
  const t2Ms = opts.t2Ms ?? 4000;
  const holdMs = opts.holdMs ?? 0;
  for (const [k, v] of [
    ['rate', opts.rate],
    ['durationS', opts.durationS],
    ['calls', opts.calls],
    ['concurrency', opts.concurrency],
    ['t1Ms', t1Ms],
    ['t2Ms', t2Ms],
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
  const socket = await openSocket(transport, mode, localAddress, opts, target);
  const local = socket.local;
  if (target) await socket.connect(target);

  const startedAt = new Date();
  const t0 = performance.now();
  const rssStart = process.memoryUsage.rss();
  let rssPeak = rssStart;
  let heapPeak = process.memoryUsage().heapUsed;
  let firstStart = NaN;
  let lastEnd = NaN;
  let startingDone = false;
  let stopRequested = false;
  let finished = false;
  let drainTimer: NodeJS.Timeout | undefined;
  let connectionLost: string | undefined;
  let resolveDone!: (r: LoadResult) => void;
  const done = new Promise<LoadResult>((r) => (resolveDone = r));

  const onIdle = (): void => {
    lastEnd = performance.now();
    if (startingDone) finish();
  };
  const engine =
    mode === 'uac'
      ? new UacEngine({
          local,
          target: target!,
          scenario,
          t1Ms,
          t2Ms,
          holdMs,
          service: opts.service ?? 'service',
          domain: opts.domain ?? (target!.address.includes(':') ? `[${target!.address}]` : target!.address),
          users: opts.users ?? 1000,
          expires: opts.expires ?? 3600,
          keepaliveMs: opts.keepaliveMs ?? 1000,
          keepaliveTimeoutMs: opts.keepaliveTimeoutMs ?? 10_000,
          transport,
          send: (msg) => socket.send(msg),
          onIdle,
        })
      : new UasEngine({
          local,
          transport,
          t1Ms,
          t2Ms,
          trying: opts.trying ?? false,
          byeTimeoutMs: Math.max(60_000, holdMs + 64 * t1Ms),
          send: (msg, port, address) => socket.send(msg, port, address),
          onIdle,
        });
  if (socket instanceof StreamLoadSocket) socket.onFramingError = () => engine.stats.unparseable++;
  const uas = engine instanceof UasEngine ? engine : undefined;
  const uac = engine instanceof UacEngine ? engine : undefined;
  socket.onMessage(
    uas
      ? (data, port, address, at) => uas.onDatagram(data, port, address, at)
      : (data, _port, _address, at) => uac!.onDatagram(data, at),
  );

  const concurrency = opts.concurrency ?? (opts.rate === undefined ? 10 : Infinity);
  const durationMs = opts.durationS === undefined ? Infinity : opts.durationS * 1000;
  const maxCalls = opts.calls ?? Infinity;
  const drainMs = opts.drainMs ?? 64 * t1Ms + holdMs + 1000;

  const endStarting = (): void => {
    if (startingDone) return;
    startingDone = true;
    clearInterval(pacer);
    if (engine.inFlight === 0) {
      finish();
      return;
    }
    drainTimer = setTimeout(() => {
      engine.abandon('unfinished');
      finish();
    }, drainMs);
  };

  // The pacer: starts the calls due by now (rate · elapsed), within the concurrency bound. A backlog built while
  // the bound held is capped at 100 ms worth of calls, so the rate is never exceeded in bursts.
  let due = 0;
  let lastPace = t0;
  const pace = (): void => {
    const now = performance.now();
    if (now - t0 >= durationMs || stopRequested) return endStarting();
    if (!uac) {
      if (uas!.stats.completed + uas!.stats.failed >= maxCalls) endStarting();
      return;
    }
    if (opts.rate === undefined) due = Infinity;
    else {
      due = Math.min(due + ((now - lastPace) * opts.rate) / 1000, Math.max(1, opts.rate / 10));
      lastPace = now;
    }
    while (due >= 1 || due === Infinity) {
      if (uac.stats.started >= maxCalls) return endStarting();
      if (uac.inFlight >= concurrency) break;
      if (Number.isNaN(firstStart)) firstStart = now;
      uac.start(now);
      if (due !== Infinity) due--;
    }
    if (uac.stats.started >= maxCalls) endStarting();
  };
  // Ticks of up to 10 ms, short enough that each starts about 5 calls: a 1 ms timer costs a wake-up per ms even at
  // low rates, a long one makes bursts.
  // A UAS only checks its duration and count: 10 ms.
  const pacer = setInterval(
    pace,
    uas ? 10 : opts.rate === undefined ? 1 : Math.max(1, Math.min(10, Math.floor(5000 / opts.rate))),
  );
  if (uac) pace();

  const progress = setInterval(() => {
    const now = performance.now();
    const rss = process.memoryUsage.rss();
    if (rss > rssPeak) rssPeak = rss;
    const heap = process.memoryUsage().heapUsed;
    if (heap > heapPeak) heapPeak = heap;
    const second = engine.stats.tick(engine.stats.series.length, engine.inFlight);
    opts.onProgress?.(progressOf(second, now));
  }, 1000);

  const progressOf = (second: SecondSample, now: number): LoadProgress => ({
    elapsedS: Math.round((now - t0) / 100) / 10,
    second,
    started: engine.stats.started,
    completed: engine.stats.completed,
    clean: engine.stats.clean,
    failed: engine.stats.failed,
    retransmissions: engine.stats.retransmissions,
    inFlight: engine.inFlight,
  });

  if (socket instanceof StreamLoadSocket && uac) {
    // Every call rides on the one connection: when the target drops it, the calls in flight fail at once with the
    // reason, and no more are started (instead of each waiting out Timer B on a dead connection).
    socket.onConnectionLost = (why) => {
      connectionLost = why;
      engine.abandon('connection-lost');
      endStarting();
    };
  }

  const onAbort = (): void => {
    stopRequested = true;
    endStarting();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  function finish(): void {
    if (finished) return;
    finished = true;
    clearInterval(pacer);
    clearInterval(progress);
    if (drainTimer) clearTimeout(drainTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    engine.close();
    const end = performance.now();
    const rss = process.memoryUsage.rss();
    if (rss > rssPeak) rssPeak = rss;
    const last = engine.stats.tick(engine.stats.series.length, engine.inFlight);
    opts.onProgress?.(progressOf(last, end));
    void (socket instanceof StreamLoadSocket ? socket.close(opts.lingerMs ?? 0) : socket.close()).then(() => {
      const snap = engine.stats.snapshot();
      const spanMs = Math.max(
        1,
        (Number.isNaN(lastEnd) ? end : lastEnd) - (Number.isNaN(firstStart) ? t0 : firstStart),
      );
      resolveDone(
        buildResult(snap, {
          mode,
          scenario,
          transport,
          ...(target ? { target: formatEndpoint(target) } : {}),
          local: formatEndpoint(local),
          startedAt: startedAt.toISOString(),
          durationMs: Math.round(end - t0),
          options: {
            rate: opts.rate,
            durationS: opts.durationS,
            calls: opts.calls,
            concurrency: Number.isFinite(concurrency) ? concurrency : undefined,
            holdMs,
            t1Ms,
            t2Ms,
          },
          spanMs,
          socketErrors: socket.errors,
          ...(connectionLost ? { connectionLost } : {}),
          memory: { rssStartBytes: rssStart, rssPeakBytes: rssPeak, heapPeakBytes: heapPeak },
          recvBufferBytes: socket.recvBufferBytes,
          sendBufferBytes: socket.sendBufferBytes,
          io: socket.io,
        }),
      );
    });
  }

  return {
    local,
    done,
    stop: () => {
      onAbort();
      return done;
    },
  };
}
