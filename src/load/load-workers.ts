/**
 * A UAC load spread over worker threads, one UDP socket and engine each (its own event loop, so its own core):
 * rate, count and concurrency are split evenly, progress is summed, and the counters are merged into one result.
 * It pays when one event loop is the limit and cores are free; on a machine whose cores are busy with the SUT
 * it does not (`sipconf load --workers N`, default 1).
 *
 * The worker runs this same file (workerData carries the options): compiled, as plain .js; from the TypeScript
 * sources, through tsx's CommonJS hook.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { mergeSnapshots, type SecondSample, type StatsSnapshot } from './load-stats';
import { buildResult, startLoad, type LoadOptions, type LoadProgress, type LoadResult } from './run-load';
import { UsageError } from '../transport/usage-error';

type WorkerOptions = Omit<LoadOptions, 'onProgress' | 'signal'>;

/** Marks workerData as ours, so that importing this module in some other worker thread starts nothing. */
const MARK = 'sipconfLoadWorker';

type FromWorker =
  | { type: 'progress'; p: LoadProgress }
  | { type: 'result'; r: LoadResult }
  | { type: 'error'; message: string; usage: boolean };

/** Splits n into `parts` integers that add up to n (undefined stays undefined). */
function split(n: number | undefined, parts: number, i: number, integer: boolean): number | undefined {
  if (n === undefined) return undefined;
  if (!integer) return n / parts;
  return Math.floor(n / parts) + (i < n % parts ? 1 : 0);
}

export async function runLoadWorkers(opts: LoadOptions, workers: number): Promise<LoadResult> {
  if (!Number.isInteger(workers) || workers < 1)
    throw new UsageError(`workers must be a positive integer, got ${workers}`);
  if ((opts.mode ?? 'uac') !== 'uac')
    throw new UsageError('worker threads are for UAC loads (a UAS listens on one port)');
  if (workers === 1) return (await startLoad(opts)).done;
  if (opts.calls !== undefined && opts.calls < workers)
    throw new UsageError(`--calls ${opts.calls} is fewer than --workers ${workers}`);
  const { onProgress, signal, ...plain } = opts;
  const latest: Array<LoadProgress | undefined> = new Array(workers).fill(undefined);
  const results: LoadResult[] = [];
  const threads: Worker[] = [];
  const startedAt = new Date();
  const t0 = performance.now();
  const done = Array.from({ length: workers }, (_, i) => {
    const wopts: WorkerOptions = {
      ...plain,
      rate: split(plain.rate, workers, i, false),
      calls: split(plain.calls, workers, i, true),
      concurrency: split(plain.concurrency, workers, i, true),
    };
    const w = spawnWorker({ [MARK]: true, opts: wopts });
    threads.push(w);
    return new Promise<void>((resolve, reject) => {
      w.on('message', (m: FromWorker) => {
        if (m.type === 'progress') {
          latest[i] = m.p;
          // Worker 0 paces the combined progress line.
          if (i === 0 && onProgress) onProgress(sumProgress(latest));
        } else if (m.type === 'result') {
          results[i] = m.r;
        } else {
          reject(m.usage ? new UsageError(m.message) : new Error(m.message));
        }
      });
      w.on('error', reject);
      w.on('exit', (code) =>
        results[i] ? resolve() : reject(new Error(`load worker ${i} exited with code ${code} before its result`)),
      );
    });
  });
  const onAbort = (): void => threads.forEach((w) => w.postMessage('stop'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(done);
  } catch (e) {
    await Promise.all(threads.map((w) => w.terminate()));
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const snap: StatsSnapshot = mergeSnapshots(results.map((r) => r.stats));
  const spanMs = Math.max(...results.map((r) => (r.cps > 0 ? (r.calls.completed / r.cps) * 1000 : r.durationMs)));
  const first = results[0]!;
  return buildResult(snap, {
    mode: 'uac',
    scenario: first.scenario,
    transport: first.transport,
    ...(first.target ? { target: first.target } : {}),
    local: results.map((r) => r.local).join(' '),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    options: { ...first.options, rate: opts.rate, calls: opts.calls, concurrency: opts.concurrency, workers },
    spanMs,
    socketErrors: results.reduce((n, r) => n + r.socketErrors, 0),
    ...(results.some((r) => r.connectionLost)
      ? { connectionLost: results.find((r) => r.connectionLost)!.connectionLost }
      : {}),
    ...(results.every((r) => r.io === first.io) && first.io ? { io: first.io } : {}),
    memory: {
      rssStartBytes: Math.min(...results.map((r) => r.memory.rssStartBytes)),
      rssPeakBytes: Math.max(...results.map((r) => r.memory.rssPeakBytes)),
      heapPeakBytes: results.reduce((n, r) => n + r.memory.heapPeakBytes, 0),
    },
  });
}

/** This file in a worker thread; from TypeScript sources (tsx), through tsx's CommonJS hook. */
function spawnWorker(data: unknown): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(__filename, { workerData: data });
  const code = `require('tsx/cjs/api').register(); require(${JSON.stringify(__filename)});`;
  return new Worker(code, { eval: true, workerData: data });
}

function sumProgress(ps: Array<LoadProgress | undefined>): LoadProgress {
  const second: SecondSample = { t: 0, started: 0, completed: 0, clean: 0, failed: 0, retransmissions: 0, inFlight: 0 };
  const out: LoadProgress = {
    elapsedS: 0,
    second,
    started: 0,
    completed: 0,
    clean: 0,
    failed: 0,
    retransmissions: 0,
    inFlight: 0,
  };
  for (const p of ps) {
    if (!p) continue;
    out.elapsedS = Math.max(out.elapsedS, p.elapsedS);
    second.t = Math.max(second.t, p.second.t);
    for (const k of ['started', 'completed', 'clean', 'failed', 'retransmissions', 'inFlight'] as const) {
      second[k] += p.second[k];
      out[k] += p[k];
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------ the worker side

const data = workerData as { [MARK]?: boolean; opts: WorkerOptions } | undefined;
if (!isMainThread && parentPort && data?.[MARK] === true) {
  const port = parentPort;
  const ac = new AbortController();
  port.on('message', (m) => m === 'stop' && ac.abort());
  startLoad({
    ...data.opts,
    signal: ac.signal,
    onProgress: (p) => port.postMessage({ type: 'progress', p } satisfies FromWorker),
  })
    .then((h) => h.done)
    .then(
      (r) => {
        port.postMessage({ type: 'result', r } satisfies FromWorker);
        port.close();
      },
      (e: Error) => {
        port.postMessage({
          type: 'error',
          message: e.message,
          usage: e instanceof UsageError,
        } satisfies FromWorker);
        port.close();
      },
    );
}
