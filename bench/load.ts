/**
 * Load: the highest clean call rate (INVITE/180/200/ACK/BYE/200, no failure, no retransmission, at least 90 % of
 * the asked rate achieved) of
 *   - sipconf's UAC against SIPp's built-in `uas`, versus SIPp's built-in `uac` against the same `uas`;
 *   - SIPp's `uac` against sipconf's UAS, versus the same SIPp `uac` against SIPp's `uas`;
 * in one run, stepping the rate up until a step is not clean. Each ladder is repeated; the figure is the median of
 * the repeats, with min and max. A ratio is claimed only when the machine was quiet (1-minute load average below
 * the CPU count) and the repeats agree (max − min ≤ 25 % of the median); otherwise it is null, with the reason.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { runLoad, startLoad } from '../src/load/run-load';
import { runSipp, startSipp, type SippHandle, type SippResult } from '../src/sipp/run-sipp';
import type { LoadTransport } from '../src/load/templates';
import type { Endpoint } from '../src/transport/types';
import type { BenchContext, BenchSection } from './main';

const SOCKET_BUFFER = 4 * 1024 * 1024;
/** Linux USER_HZ: /proc/PID/stat counts CPU time in 1/100 s. */
const CLOCK_TICKS = 100;

export interface Step {
  rate: number;
  clean: boolean;
  achievedCps: number;
  completed: number;
  failed: number;
  retransmissions: number;
  why?: string;
}

export interface Ladder {
  highestCleanCps: number;
  steps: Step[];
}

export interface Spread {
  min: number;
  median: number;
  max: number;
  runs: number[];
}

export function spreadOf(runs: number[]): Spread {
  const s = [...runs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { min: s[0] ?? 0, median, max: s[s.length - 1] ?? 0, runs };
}

/** Why a comparison is too noisy to claim a ratio, or undefined when it is not. */
export function noiseReason(spreads: Spread[], loadBefore: number, cpus: number): string | undefined {
  if (loadBefore >= cpus) return `machine busy: 1-minute load average ${loadBefore.toFixed(2)} ≥ ${cpus} CPUs`;
  for (const s of spreads) {
    if (s.median <= 0) return 'a peer had no clean step at all';
    if ((s.max - s.min) / s.median > 0.25)
      return `repeats disagree: ${s.min}–${s.max} around a median of ${s.median} (> 25 %)`;
  }
  return undefined;
}

function stepOf(
  rate: number,
  completed: number,
  failed: number,
  retransmissions: number,
  achievedCps: number,
  extra?: string,
): Step {
  const why: string[] = [];
  if (failed) why.push(`${failed} failed`);
  if (retransmissions) why.push(`${retransmissions} retransmissions`);
  if (achievedCps < rate * 0.9) why.push(`achieved ${achievedCps}/s < 90 % of ${rate}/s`);
  if (extra) why.push(extra);
  return {
    rate,
    clean: why.length === 0,
    achievedCps,
    completed,
    failed,
    retransmissions,
    ...(why.length ? { why: why.join(', ') } : {}),
  };
}

async function ourUacStep(target: Endpoint, rate: number, seconds: number, transport: LoadTransport): Promise<Step> {
  const r = await runLoad({
    target,
    transport,
    rate,
    calls: Math.round(rate * seconds),
    udpBufferBytes: SOCKET_BUFFER,
    drainMs: 3000,
  });
  return stepOf(rate, r.calls.completed, r.calls.failed, r.retransmissions, r.cps);
}

function sippStep(rate: number, seconds: number, r: SippResult): Step {
  const s = r.stats;
  if (!s) return stepOf(rate, 0, 0, 0, 0, `SIPp: ${r.statsError ?? r.verdict.message}`);
  const calls = Math.round(rate * seconds);
  const failed = s.calls.failed + Math.max(0, calls - s.calls.successful - s.calls.failed);
  return stepOf(
    rate,
    s.calls.successful,
    failed,
    s.retransmissions,
    Math.round(s.callRate * 10) / 10,
    r.verdict.ok ? undefined : `SIPp ${r.verdict.status}`,
  );
}

async function sippUacStep(target: Endpoint, rate: number, seconds: number, transport: LoadTransport): Promise<Step> {
  const calls = Math.round(rate * seconds);
  const r = await runSipp({
    builtin: 'uac',
    transport,
    target,
    rate,
    calls,
    bufferSize: SOCKET_BUFFER,
    traceRtt: false,
    sippTimeoutS: Math.ceil(seconds) + 5,
    hardTimeoutMs: (seconds + 15) * 1000,
  });
  return sippStep(rate, seconds, r);
}

async function withSippUas<T>(transport: LoadTransport, fn: (target: Endpoint) => Promise<T>): Promise<T> {
  const h: SippHandle = startSipp({
    builtin: 'uas',
    transport,
    bufferSize: SOCKET_BUFFER,
    traceRtt: false,
    hardTimeoutMs: 30 * 60_000,
  });
  try {
    const local = await h.ready;
    return await fn(local);
  } finally {
    await h.stop();
  }
}

async function withOurUas<T>(transport: LoadTransport, fn: (target: Endpoint) => Promise<T>): Promise<T> {
  const h = await startLoad({ mode: 'uas', transport, udpBufferBytes: SOCKET_BUFFER });
  try {
    return await fn(h.local);
  } finally {
    await h.stop();
  }
}

interface Contender {
  label: string;
  step: (rate: number) => Promise<Step>;
  ladder: Ladder;
  done: boolean;
}

/**
 * The ladders of all contenders, interleaved: at each rate every contender still clean runs its step, one after
 * the other, so that a busy spell of the machine hits them alike. A contender drops out at its first unclean step.
 */
async function ladders(rates: number[], contenders: Contender[], log: (l: string) => void): Promise<void> {
  for (const rate of rates) {
    const live = contenders.filter((c) => !c.done);
    if (!live.length) return;
    for (const c of live) {
      const s = await c.step(rate);
      c.ladder.steps.push(s);
      log(
        `    ${c.label} ${String(rate).padStart(6)}/s: ${s.clean ? 'clean' : `not clean (${s.why})`}, ${s.completed} completed, achieved ${s.achievedCps}/s`,
      );
      if (s.clean) c.ladder.highestCleanCps = s.achievedCps;
      else c.done = true;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

function cpuMsOfPid(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * CPU time per completed call at a fixed, comfortable rate: less sensitive to a busy machine than the highest
 * clean rate. Ours from process.cpuUsage() (the bench process does nothing else meanwhile), SIPp's from
 * /proc/PID/stat (utime + stime, 10 ms ticks) sampled until it exits.
 */
async function cpuPerCall(
  target: Endpoint,
  rate: number,
  seconds: number,
  transport: LoadTransport,
): Promise<{ sipconfUs: number; sippUs: number | null; rate: number; calls: number }> {
  const calls = Math.round(rate * seconds);
  const c0 = process.cpuUsage();
  const r = await runLoad({ target, transport, rate, calls, udpBufferBytes: SOCKET_BUFFER, drainMs: 3000 });
  const c = process.cpuUsage(c0);
  const h = startSipp({
    builtin: 'uac',
    transport,
    target,
    rate,
    calls,
    bufferSize: SOCKET_BUFFER,
    traceRtt: false,
    sippTimeoutS: Math.ceil(seconds) + 5,
    hardTimeoutMs: (seconds + 15) * 1000,
  });
  let last: number | undefined;
  const sample = setInterval(() => (last = cpuMsOfPid(h.pid) ?? last), 10);
  const sr = await h.result;
  clearInterval(sample);
  const ok = sr.stats?.calls.successful ?? 0;
  return {
    sipconfUs: Math.round((c.user + c.system) / Math.max(1, r.calls.completed)),
    sippUs: last !== undefined && ok ? Math.round((last * 1000) / ok) : null,
    rate,
    calls,
  };
}

/** The rate steps, their length and the repeats of one load comparison. */
interface LoadPlan {
  transport: LoadTransport;
  rates: number[];
  seconds: number;
  repeats: number;
}

function loadPlan(transport: LoadTransport, smoke: boolean): LoadPlan {
  // Up to 24,000/s: on a quiet machine all three contenders were clean at 16,000/s, so a lower top step would
  // measure the ladder's ceiling instead of the peers (SIPp uac itself still drives > 20,000/s).
  // Over TCP all three were still clean at 24,000/s (about 23,200 achieved), so its ladder goes on to 40,000/s.
  const udpRates = [500, 1000, 2000, 3000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 18000, 20000, 22000, 24000];
  return {
    transport,
    rates: smoke ? [50] : transport === 'udp' ? udpRates : [...udpRates, 28000, 32000, 36000, 40000],
    seconds: smoke ? 1 : 3,
    repeats: smoke ? 1 : 3,
  };
}

/** The three ladders of each repeat: sipconf UAC and SIPp uac against SIPp uas, SIPp uac against sipconf UAS. */
async function repeatLadders(
  plan: LoadPlan,
  log: (line: string) => void,
): Promise<{ ours: Ladder[]; sipp: Ladder[]; ourUas: Ladder[] }> {
  const { transport, seconds } = plan;
  const ours: Ladder[] = [];
  const sipp: Ladder[] = [];
  const ourUas: Ladder[] = [];
  const contender = (label: string, step: Contender['step']): Contender => ({
    label,
    step,
    ladder: { highestCleanCps: 0, steps: [] },
    done: false,
  });
  for (let i = 0; i < plan.repeats; i++) {
    log(`  repeat ${i + 1}/${plan.repeats}`);
    // Two SIPp uas (one per UAC, so neither inherits the other's leftovers) and our UAS, all up for the repeat.
    await withSippUas(transport, (uas1) =>
      withSippUas(transport, (uas2) =>
        withOurUas(transport, async (ourUasTarget) => {
          const contenders = [
            contender('sipconf uac → sipp uas   ', (r) => ourUacStep(uas1, r, seconds, transport)),
            contender('sipp uac    → sipp uas   ', (r) => sippUacStep(uas2, r, seconds, transport)),
            contender('sipp uac    → sipconf uas', (r) => sippUacStep(ourUasTarget, r, seconds, transport)),
          ];
          await ladders(plan.rates, contenders, log);
          ours.push(contenders[0]!.ladder);
          sipp.push(contenders[1]!.ladder);
          ourUas.push(contenders[2]!.ladder);
        }),
      ),
    );
  }
  return { ours, sipp, ourUas };
}

/** The load comparison over one transport: UDP (section `load`) or TCP, one connection per UAC (`load-tcp`). */
function loadSectionOver(transport: LoadTransport): BenchSection {
  const over = transport === 'udp' ? '' : ` over ${transport.toUpperCase()} (SIPp -t t1)`;
  return {
    name: transport === 'udp' ? 'load' : `load-${transport}`,
    description: `highest clean calls/s${over}: sipconf UAC vs SIPp uac against SIPp uas, and SIPp uac against sipconf UAS vs SIPp uas`,
    async run(ctx: BenchContext): Promise<Record<string, unknown>> {
      const plan = loadPlan(transport, ctx.smoke);
      const cpus = os.cpus().length;
      const loadBefore = os.loadavg()[0]!;
      ctx.log(
        `  rate steps ${plan.rates.join(', ')} calls/s, ${plan.seconds} s each, ${plan.repeats} repeat(s); load average ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')} on ${cpus} CPUs`,
      );
      const { ours, sipp, ourUas } = await repeatLadders(plan, ctx.log);
      const cpuRate = ctx.smoke ? 50 : 1000;
      const cpu = await withSippUas(transport, (t) => cpuPerCall(t, cpuRate, ctx.smoke ? 1 : 3, transport));
      const cpuRatio = cpu.sippUs ? Math.round((cpu.sipconfUs / cpu.sippUs) * 100) / 100 : null;
      ctx.log(
        `  CPU per call at ${cpuRate}/s against SIPp uas: sipconf UAC ${cpu.sipconfUs} µs, SIPp uac ${cpu.sippUs ?? 'n/a'} µs${cpuRatio === null ? '' : ` (${cpuRatio}×, lower is better)`}`,
      );
      const uac = spreadOf(ours.map((l) => l.highestCleanCps));
      const peer = spreadOf(sipp.map((l) => l.highestCleanCps));
      const uas = spreadOf(ourUas.map((l) => l.highestCleanCps));
      const noise = noiseReason([uac, peer, uas], loadBefore, cpus);
      const ratio = noise || ctx.smoke ? null : Math.round((uac.median / peer.median) * 100) / 100;
      const uasRatio = noise || ctx.smoke ? null : Math.round((uas.median / peer.median) * 100) / 100;
      const top = plan.rates[plan.rates.length - 1]!;
      const atTop = (ladders: Ladder[]) =>
        ladders.some((l) => l.steps.length === plan.rates.length && l.steps[l.steps.length - 1]!.clean)
          ? `, clean at the top step (${top}/s): the ladder, not the peer, was the limit`
          : '';
      const fmt = (s: Spread, ladders: Ladder[]): string =>
        `median ${s.median} (min ${s.min}, max ${s.max}) clean calls/s${atTop(ladders)}`;
      ctx.log(`  sipconf UAC → SIPp uas: ${fmt(uac, ours)}`);
      ctx.log(`  SIPp uac → SIPp uas:    ${fmt(peer, sipp)}`);
      ctx.log(`  SIPp uac → sipconf UAS: ${fmt(uas, ourUas)}`);
      if (ratio !== null) ctx.log(`  ratio sipconf/SIPp: UAC ${ratio}×, UAS ${uasRatio}×`);
      else ctx.log(`  no ratio claimed: ${ctx.smoke ? 'smoke run' : noise}`);
      return {
        transport,
        cps: uac.median,
        sippCps: peer.median,
        ratio,
        uasCps: uas.median,
        uasRatio,
        ...(ratio === null ? { noRatioBecause: ctx.smoke ? 'smoke run' : noise } : {}),
        spread: { uac, sipp: peer, uas },
        cpuPerCall: { ...cpu, ratio: cpuRatio },
        loadAverageBefore: loadBefore,
        ladders: { sipconfUac: ours, sippUac: sipp, sippUacToSipconfUas: ourUas },
        stepSeconds: plan.seconds,
      };
    },
  };
}

export const loadSection = loadSectionOver('udp');
export const loadTcpSection = loadSectionOver('tcp');
