/**
 * One load run on an open socket: the engine (UAC or UAS), the pacer that starts calls at the rate and within the
 * concurrency bound, progress once a second, the bounded drain after the last call started, and the result.
 */
import { formatEndpoint } from '../transport/types';
import { buildResult } from './load-result';
import type { LoadSocket } from './load-socket';
import type { SecondSample } from './load-stats';
import { StreamLoadSocket } from './load-stream';
import type { LoadOptions, LoadProgress, LoadResult, ResolvedLoad } from './run-load';
import { UacEngine } from './uac-engine';
import { UasEngine } from './uas-engine';

export class LoadRun {
  readonly done: Promise<LoadResult>;
  private resolveDone!: (r: LoadResult) => void;
  private readonly engine: UacEngine | UasEngine;
  private readonly uac?: UacEngine;
  private readonly uas?: UasEngine;
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private readonly rssStart = process.memoryUsage.rss();
  private rssPeak = this.rssStart;
  private heapPeak = process.memoryUsage().heapUsed;
  private firstStart = NaN;
  private lastEnd = NaN;
  private startingDone = false;
  private stopRequested = false;
  private finished = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private connectionLost: string | undefined;
  private readonly concurrency: number;
  private readonly durationMs: number;
  private readonly maxCalls: number;
  private readonly drainMs: number;
  // The pacer's state: calls due by now (rate · elapsed), and when it last ran.
  private due = 0;
  private lastPace = this.t0;
  private readonly pacer: NodeJS.Timeout;
  private readonly progress: NodeJS.Timeout;
  private readonly onAbort = (): void => {
    this.stopRequested = true;
    this.endStarting();
  };

  constructor(
    private readonly load: ResolvedLoad,
    private readonly opts: LoadOptions,
    private readonly socket: LoadSocket,
  ) {
    this.done = new Promise<LoadResult>((r) => (this.resolveDone = r));
    this.engine = this.createEngine();
    if (this.engine instanceof UacEngine) this.uac = this.engine;
    else this.uas = this.engine;
    this.listen();
    this.concurrency = opts.concurrency ?? (opts.rate === undefined ? 10 : Infinity);
    this.durationMs = opts.durationS === undefined ? Infinity : opts.durationS * 1000;
    this.maxCalls = opts.calls ?? Infinity;
    this.drainMs = opts.drainMs ?? 64 * load.t1Ms + load.holdMs + 1000;
    // Ticks of up to 10 ms, short enough that each starts about 5 calls: a 1 ms timer costs a wake-up per ms even
    // at low rates, a long one makes bursts. A UAS only checks its duration and count: 10 ms.
    const tick = this.uas ? 10 : opts.rate === undefined ? 1 : Math.max(1, Math.min(10, Math.floor(5000 / opts.rate)));
    this.progress = setInterval(() => this.reportProgress(), 1000);
    this.pacer = setInterval(() => this.pace(), tick);
    if (this.uac) this.pace();
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (opts.signal?.aborted) this.onAbort();
  }

  /** Stop starting (or answering) calls, drain, and resolve `done`. */
  stop(): Promise<LoadResult> {
    this.onAbort();
    return this.done;
  }

  private createEngine(): UacEngine | UasEngine {
    const { load, opts, socket } = this;
    const onIdle = (): void => {
      this.lastEnd = performance.now();
      if (this.startingDone) this.finish();
    };
    if (load.mode === 'uac') {
      const target = load.target!;
      return new UacEngine({
        local: socket.local,
        target,
        scenario: load.scenario,
        t1Ms: load.t1Ms,
        t2Ms: load.t2Ms,
        holdMs: load.holdMs,
        service: opts.service ?? 'service',
        domain: opts.domain ?? (target.address.includes(':') ? `[${target.address}]` : target.address),
        users: opts.users ?? 1000,
        expires: opts.expires ?? 3600,
        keepaliveMs: opts.keepaliveMs ?? 1000,
        keepaliveTimeoutMs: opts.keepaliveTimeoutMs ?? 10_000,
        transport: load.transport,
        send: (msg) => socket.send(msg),
        onIdle,
      });
    }
    return new UasEngine({
      local: socket.local,
      transport: load.transport,
      t1Ms: load.t1Ms,
      t2Ms: load.t2Ms,
      trying: opts.trying ?? false,
      byeTimeoutMs: Math.max(60_000, load.holdMs + 64 * load.t1Ms),
      send: (msg, port, address) => socket.send(msg, port, address),
      onIdle,
    });
  }

  /** Messages to the engine; over TCP, framing errors and a lost connection too. */
  private listen(): void {
    const { socket, uac, uas } = this;
    if (socket instanceof StreamLoadSocket) socket.onFramingError = () => this.engine.stats.unparseable++;
    socket.onMessage(
      uas
        ? (data, port, address, at) => uas.onDatagram(data, port, address, at)
        : (data, _port, _address, at) => uac!.onDatagram(data, at),
    );
    if (socket instanceof StreamLoadSocket && uac) {
      // Every call rides on the one connection: when the target drops it, the calls in flight fail at once with the
      // reason, and no more are started (instead of each waiting out Timer B on a dead connection).
      socket.onConnectionLost = (why) => {
        this.connectionLost = why;
        this.engine.abandon('connection-lost');
        this.endStarting();
      };
    }
  }

  /**
   * Starts the calls due by now (rate · elapsed), within the concurrency bound. A backlog built while the bound held
   * is capped at 100 ms worth of calls, so the rate is never exceeded in bursts.
   */
  private pace(): void {
    const now = performance.now();
    const { uac, opts } = this;
    if (now - this.t0 >= this.durationMs || this.stopRequested) return this.endStarting();
    if (!uac) {
      if (this.uas!.stats.completed + this.uas!.stats.failed >= this.maxCalls) this.endStarting();
      return;
    }
    if (opts.rate === undefined) this.due = Infinity;
    else {
      this.due = Math.min(this.due + ((now - this.lastPace) * opts.rate) / 1000, Math.max(1, opts.rate / 10));
      this.lastPace = now;
    }
    while (this.due >= 1 || this.due === Infinity) {
      if (uac.stats.started >= this.maxCalls) return this.endStarting();
      if (uac.inFlight >= this.concurrency) break;
      if (Number.isNaN(this.firstStart)) this.firstStart = now;
      uac.start(now);
      if (this.due !== Infinity) this.due--;
    }
    if (uac.stats.started >= this.maxCalls) this.endStarting();
  }

  /** No more calls are started; the ones in flight get `drainMs`, then count as failed 'unfinished'. */
  private endStarting(): void {
    if (this.startingDone) return;
    this.startingDone = true;
    clearInterval(this.pacer);
    if (this.engine.inFlight === 0) {
      this.finish();
      return;
    }
    this.drainTimer = setTimeout(() => {
      this.engine.abandon('unfinished');
      this.finish();
    }, this.drainMs);
  }

  private sampleMemory(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.rssPeak) this.rssPeak = rss;
    const heap = process.memoryUsage().heapUsed;
    if (heap > this.heapPeak) this.heapPeak = heap;
  }

  private reportProgress(): void {
    this.sampleMemory();
    const second = this.engine.stats.tick(this.engine.stats.series.length, this.engine.inFlight);
    this.opts.onProgress?.(this.progressOf(second, performance.now()));
  }

  private progressOf(second: SecondSample, now: number): LoadProgress {
    const { stats, inFlight } = this.engine;
    return {
      elapsedS: Math.round((now - this.t0) / 100) / 10,
      second,
      started: stats.started,
      completed: stats.completed,
      clean: stats.clean,
      failed: stats.failed,
      retransmissions: stats.retransmissions,
      inFlight,
    };
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.pacer);
    clearInterval(this.progress);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.engine.close();
    const end = performance.now();
    const rss = process.memoryUsage.rss();
    if (rss > this.rssPeak) this.rssPeak = rss;
    const last = this.engine.stats.tick(this.engine.stats.series.length, this.engine.inFlight);
    this.opts.onProgress?.(this.progressOf(last, end));
    const { socket } = this;
    const closed = socket instanceof StreamLoadSocket ? socket.close(this.opts.lingerMs ?? 0) : socket.close();
    void closed.then(() => this.resolveDone(this.result(end)));
  }

  private result(end: number): LoadResult {
    const { load, opts, socket } = this;
    const spanMs = Math.max(
      1,
      (Number.isNaN(this.lastEnd) ? end : this.lastEnd) - (Number.isNaN(this.firstStart) ? this.t0 : this.firstStart),
    );
    return buildResult(this.engine.stats.snapshot(), {
      mode: load.mode,
      scenario: load.scenario,
      transport: load.transport,
      ...(load.target ? { target: formatEndpoint(load.target) } : {}),
      local: formatEndpoint(socket.local),
      startedAt: this.startedAt.toISOString(),
      durationMs: Math.round(end - this.t0),
      options: {
        rate: opts.rate,
        durationS: opts.durationS,
        calls: opts.calls,
        concurrency: Number.isFinite(this.concurrency) ? this.concurrency : undefined,
        holdMs: load.holdMs,
        t1Ms: load.t1Ms,
        t2Ms: load.t2Ms,
      },
      spanMs,
      socketErrors: socket.errors,
      ...(this.connectionLost ? { connectionLost: this.connectionLost } : {}),
      memory: { rssStartBytes: this.rssStart, rssPeakBytes: this.rssPeak, heapPeakBytes: this.heapPeak },
      recvBufferBytes: socket.recvBufferBytes,
      sendBufferBytes: socket.sendBufferBytes,
      io: socket.io,
    });
  }
}
