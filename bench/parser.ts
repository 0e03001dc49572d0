/**
 * Parser throughput: parse + read the fields every transaction and dialog needs (start line, top Via branch,
 * From/To tags, Call-ID, CSeq, Request/From/To/Contact URIs, every Via and Record-Route) on a realistic mix of
 * messages, against the npm packages `sip`, `jssip` and `sip.js` in the same run. Ours runs with strict verdicts on
 * (every known header checked against RFC 3261 §25) and receives Buffers, as from a socket; `sip` receives Buffers
 * too (its API), while jssip and sip.js receive pre-decoded strings (the decode is not charged to them). Each
 * contender runs in a process of its own (bench/parser-child.ts), with batches interleaved one at a time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SipMessage } from '../src/sip/message';
import { parse } from '../src/sip/parser';
import type { BenchContext, BenchSection } from './main';
import { CONTENDER_NAMES, OURS, OURS_LENIENT, readOurs, type Contender } from './parser-contenders';
import { BENCH_MESSAGES } from './parser-corpus';

export { BENCH_MESSAGES } from './parser-corpus';
export { CONTENDER_NAMES, OURS, OURS_LENIENT, contenderByName, type Contender } from './parser-contenders';

export interface Stats {
  msgsPerSec: number;
  min: number;
  median: number;
  max: number;
  /** (max - min) / median over the repeats. */
  spread: number;
  samples: number[];
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)]!;
  return {
    msgsPerSec: Math.round(median),
    min: Math.round(s[0]!),
    median: Math.round(median),
    max: Math.round(s[s.length - 1]!),
    spread: Math.round(((s[s.length - 1]! - s[0]!) / median) * 1000) / 1000,
    samples: samples.map(Math.round),
  };
}

/** CPU time of this process in ms (user + system): unlike wall time, it does not count time other processes ran. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Messages per CPU-second for one batch of `rounds` passes over the corpus. CPU time rather than wall time, so a
 * busy machine slows the batch less; the spread over repeats still shows how much the load disturbed it.
 */
export function timeBatch(c: Contender, inputs: Array<Buffer | string>, rounds: number): number {
  let sink = 0;
  const t0 = cpuMs();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < inputs.length; i++) sink += c.parseAndRead(inputs[i]!);
  const ms = Math.max(cpuMs() - t0, 0.001);
  if (sink === 42) process.stdout.write('');
  return (rounds * inputs.length) / (ms / 1000);
}

/** The corpus in the form a contender takes. */
export function benchInputs(c: Contender): Array<Buffer | string> {
  const strs = Object.values(BENCH_MESSAGES);
  return c.input === 'buffer' ? strs.map((s) => Buffer.from(s, 'utf8')) : strs;
}

/**
 * Reads every message once (a contender that cannot is an error), warms the JIT up for `warmMs` of CPU, and
 * returns the rounds per batch that take about `batchMs`.
 */
export function prepareContender(
  c: Contender,
  inputs: Array<Buffer | string>,
  warmMs: number,
  batchMs: number,
): number {
  for (const x of inputs) c.parseAndRead(x);
  const t0 = cpuMs();
  while (cpuMs() - t0 < warmMs) timeBatch(c, inputs, 1);
  let rounds = 10;
  for (;;) {
    const t1 = cpuMs();
    timeBatch(c, inputs, rounds);
    const ms = cpuMs() - t1;
    if (ms >= batchMs / 4 || rounds > 1e7) return Math.max(1, Math.round((rounds * batchMs) / Math.max(ms, 0.01)));
    rounds *= 4;
  }
}

export interface ParserBenchOptions {
  repeats: number;
  batchMs: number;
  /** Largest (max-min)/median for which a ratio is still claimed. */
  maxSpread: number;
}

/** How long one child may take to answer (start and warm-up included) before the bench gives up on it. */
const CHILD_ANSWER_MS = 120_000;

/** One contender in a process of its own (bench/parser-child.ts), answering requests one at a time. */
class ContenderProcess {
  private readonly child: ChildProcess;
  /** Who waits for the next answer, in the order the requests were sent. */
  private readonly answers: Array<(m: ChildAnswer) => void> = [];
  /** Settles when the child says it listens: no request is sent before it can be read. */
  private readonly alive: Promise<ChildAnswer>;
  private exited: string | undefined;

  constructor(readonly name: string) {
    // tsx loads the TypeScript (and sip.js, an ES module); nothing else in this process's heap but one contender.
    this.child = fork(join(__dirname, 'parser-child.ts'), [], {
      cwd: join(__dirname, '..'),
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.alive = this.wait('start');
    // Until ask() awaits it, a child that dies early must not make an unobserved rejection (that ends the run).
    this.alive.catch(() => undefined);
    this.child.on('message', (m: ChildAnswer) => this.answers.shift()?.(m));
    this.child.on('exit', (code, signal) => {
      this.exited = `the ${name} bench process ended (${signal ?? `exit ${code}`})${stderr ? `: ${stderr.trim().slice(-500)}` : ''}`;
      for (const a of this.answers.splice(0)) a({ type: 'error', message: this.exited });
    });
  }

  /** The next answer, or an error when it is one or when none comes within CHILD_ANSWER_MS. */
  private wait(what: string): Promise<ChildAnswer> {
    return new Promise((resolveAnswer, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`the ${this.name} bench process did not answer "${what}" within ${CHILD_ANSWER_MS / 1000} s`),
          ),
        CHILD_ANSWER_MS,
      );
      this.answers.push((m) => {
        clearTimeout(timer);
        if (m.type === 'error') reject(new Error(`${this.name}: ${m.message}`));
        else resolveAnswer(m);
      });
    });
  }

  /** Sends one request and waits (bounded) for its answer. */
  async ask(req: ChildRequest): Promise<ChildAnswer> {
    await this.alive;
    if (this.exited) throw new Error(this.exited);
    const answer = this.wait(req.type);
    this.child.send(req);
    return answer;
  }

  close(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** Requests the parent sends a contender's process, and its answers. */
export type ChildRequest = { type: 'init'; name: string; warmMs: number; batchMs: number } | { type: 'batch' };
export type ChildAnswer =
  | { type: 'alive' }
  | { type: 'ready'; rounds: number }
  | { type: 'sample'; msgsPerSec: number }
  | { type: 'error'; message: string };

/**
 * Each contender runs in a process of its own, so none pays for another's garbage (a collection that a peer's
 * allocations trigger, or the bytecode V8 flushes from code that a long batch of another contender left idle), and
 * each process's CPU time is its own. Batches are interleaved one at a time (only one process runs at once) so a
 * change in the machine's load hits every contender alike.
 */
export async function benchParsers(names: readonly string[], opts: ParserBenchOptions): Promise<Record<string, Stats>> {
  const procs = names.map((n) => new ContenderProcess(n));
  try {
    for (const p of procs) await p.ask({ type: 'init', name: p.name, warmMs: opts.batchMs * 2, batchMs: opts.batchMs });
    const samples = new Map<string, number[]>(names.map((n) => [n, []]));
    for (let r = 0; r < opts.repeats; r++) {
      for (const p of procs) {
        const a = await p.ask({ type: 'batch' });
        if (a.type !== 'sample') throw new Error(`${p.name}: unexpected answer "${a.type}" to a batch`);
        samples.get(p.name)!.push(a.msgsPerSec);
      }
    }
    return Object.fromEntries(names.map((n) => [n, stats(samples.get(n)!)]));
  } finally {
    for (const p of procs) p.close();
  }
}

function serializeRate(batchMs: number): number {
  const msgs = Object.values(BENCH_MESSAGES).map((s) => parse(Buffer.from(s)).message!);
  let n = 0;
  let bytes = 0;
  const t0 = cpuMs();
  while (cpuMs() - t0 < batchMs) {
    for (const m of msgs) bytes += m.toBuffer().length;
    n += msgs.length;
  }
  if (bytes === 0) throw new Error('serializer produced nothing');
  return Math.round(n / ((cpuMs() - t0) / 1000));
}

function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** Retained heap per parsed message after reading its fields (structured views are cached on the message). */
function memoryPerMessage(count: number): number | undefined {
  const gc = getGc();
  if (!gc) return undefined;
  const bufs = Object.values(BENCH_MESSAGES).map((s) => Buffer.from(s));
  const keep: SipMessage[] = new Array(count);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) {
    // Each message on its own Buffer copy, as from a socket; the copy is retained through the body slice.
    const m = parse(Buffer.from(bufs[i % bufs.length]!)).message!;
    readOurs(m);
    keep[i] = m;
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  return keep.length > 0 ? Math.round((after - before) / count) : undefined;
}

/**
 * The verdict on ours against the fastest peer. The median ratio is claimed only when both spreads are within
 * `maxSpread`. The lower bound, our slowest batch against the peer's fastest, holds on a noisy machine too: load
 * only ever slows a batch, so neither our true rate can be below our minimum nor the peer's above its maximum.
 */
export function ratioVerdict(
  ours: Stats,
  peer: Stats,
  maxSpread: number,
): { ratio: number; lowerBound: number; claimed: boolean } {
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    ratio: round2(ours.median / peer.median),
    lowerBound: Math.floor((ours.min / peer.max) * 100) / 100,
    claimed: ours.spread <= maxSpread && peer.spread <= maxSpread,
  };
}

export const parserSection: BenchSection = {
  name: 'parser',
  description: 'parse + read transaction/dialog fields, strict mode, vs npm sip / jssip / sip.js',
  async run(ctx: BenchContext) {
    const opts: ParserBenchOptions = ctx.smoke
      ? { repeats: 3, batchMs: 60, maxSpread: 0.5 }
      : { repeats: 9, batchMs: 400, maxSpread: 0.15 };
    const load = os.loadavg()[0]!;
    const res = await benchParsers(CONTENDER_NAMES, opts);
    const ours = res[OURS.name]!;
    const peerStats = Object.fromEntries(Object.entries(res).filter(([n]) => !n.startsWith('sipconf')));
    const [fastestName, fastest] = Object.entries(peerStats).sort((a, b) => b[1].median - a[1].median)[0]!;
    const verdict = ratioVerdict(ours, fastest, opts.maxSpread);
    const noisy = !verdict.claimed;
    const ratio = verdict.ratio;
    const serializeMsgsPerSec = serializeRate(ctx.smoke ? 100 : 1000);
    const bytesPerMessage = memoryPerMessage(ctx.smoke ? 5000 : 50000);
    const pad = (s: string, n: number) => s.padEnd(n);
    ctx.log(
      `corpus: ${Object.keys(BENCH_MESSAGES).join(', ')} (${Object.values(BENCH_MESSAGES).reduce((a, s) => a + s.length, 0)} bytes per pass); ${opts.repeats} repeats; load ${load.toFixed(2)} on ${os.cpus().length} cpus`,
    );
    ctx.log(
      `${pad('parser', 16)} ${pad('msgs/cpu-s (med)', 16)} ${pad('min', 10)} ${pad('max', 10)} spread  ratio(sipconf/peer)`,
    );
    for (const [name, s] of Object.entries(res)) {
      const r = name.startsWith('sipconf')
        ? name === OURS.name
          ? '(strict: the target)'
          : '(lazy views, for reference)'
        : `${(ours.median / s.median).toFixed(2)}×`;
      ctx.log(
        `${pad(name, 16)} ${pad(String(s.median), 16)} ${pad(String(s.min), 10)} ${pad(String(s.max), 10)} ${pad((s.spread * 100).toFixed(1) + '%', 7)} ${r}`,
      );
    }
    if (noisy) {
      ctx.log(
        `ratio vs fastest peer (${fastestName}): NOT CLAIMED — spread above ${(opts.maxSpread * 100).toFixed(0)}% (machine busy? load ${os.loadavg()[0]!.toFixed(2)}); rerun on a quiet machine`,
      );
    } else {
      ctx.log(`ratio vs fastest peer (${fastestName}): ${ratio}× (target ≥ 2×)`);
    }
    ctx.log(
      `lower bound vs ${fastestName}, our slowest batch against its fastest (holds under load): ${verdict.lowerBound}×`,
    );
    ctx.log(
      `serialize: ${serializeMsgsPerSec} msgs/s; retained heap per parsed message (fields read): ${bytesPerMessage ?? 'n/a'} bytes`,
    );
    return {
      msgsPerSec: ours.median,
      stats: ours,
      lenient: res[OURS_LENIENT.name],
      peers: peerStats,
      fastestPeer: fastestName,
      ratio: noisy ? null : ratio,
      ratioRaw: ratio,
      ratioLowerBound: verdict.lowerBound,
      noisy,
      maxSpread: opts.maxSpread,
      mode: 'strict',
      loadavg: os.loadavg(),
      serializeMsgsPerSec,
      bytesPerMessage: bytesPerMessage ?? null,
      corpus: Object.keys(BENCH_MESSAGES),
    };
  },
};
