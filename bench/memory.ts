/**
 * Memory: resident set size per 1,000 concurrent calls in load mode. sipconf's UAC runs as its own process
 * (`sipconf load`, so nothing else is in its heap) and SIPp's `uac` as the peer, each holding calls open
 * (a pause between ACK and BYE) against a SIPp `uas` until the asked concurrency is reached. The figure is
 * (peak RSS − RSS before the first call) ÷ (peak calls in flight / 1000). RSS is sampled from /proc/PID/status.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { startSipp, type SippHandle } from '../src/sipp/run-sipp';
import type { Endpoint } from '../src/transport/types';
import type { BenchContext, BenchSection } from './main';

const ROOT = resolve(__dirname, '..');

function rssOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface MemoryFigure {
  peakInFlight: number;
  rssBaseBytes: number;
  rssPeakBytes: number;
  bytesPer1000Calls: number | null;
  completed: number;
  failed: number;
}

function figure(peakInFlight: number, base: number, peak: number, completed: number, failed: number): MemoryFigure {
  return {
    peakInFlight,
    rssBaseBytes: base,
    rssPeakBytes: peak,
    bytesPer1000Calls: peakInFlight > 0 ? Math.round((peak - base) / (peakInFlight / 1000)) : null,
    completed,
    failed,
  };
}

async function ours(target: Endpoint, rate: number, calls: number, holdMs: number, dir: string): Promise<MemoryFigure> {
  const json = join(dir, 'load.json');
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'src/cli/main.ts'),
    'load',
    '--target',
    `${target.address}:${target.port}`,
    '--rate',
    String(rate),
    '--calls',
    String(calls),
    '--hold',
    String(holdMs),
    '--json',
    json,
    '--no-allure',
    '-q',
  ];
  await new Promise<void>((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 5 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 || code === 1) res();
      else rej(new Error(`sipconf load exited ${code}: ${err.trim()}`));
    });
  });
  const r = JSON.parse(readFileSync(json, 'utf8'));
  return figure(r.peakInFlight, r.memory.rssStartBytes, r.memory.rssPeakBytes, r.calls.completed, r.calls.failed);
}

async function sipp(target: Endpoint, rate: number, calls: number, holdMs: number): Promise<MemoryFigure> {
  const h = startSipp({
    builtin: 'uac',
    target,
    rate,
    calls,
    callLimit: calls,
    callLengthMs: holdMs,
    bufferSize: 4 * 1024 * 1024,
    traceRtt: false,
    statsPeriodS: 1,
    sippTimeoutS: Math.ceil(calls / rate + holdMs / 1000) + 20,
    hardTimeoutMs: 5 * 60_000,
  });
  let base: number | undefined;
  let peak = 0;
  const sample = setInterval(() => {
    const v = rssOf(h.pid);
    if (v !== undefined) {
      base ??= v;
      if (v > peak) peak = v;
    }
  }, 50);
  try {
    await h.ready;
    const r = await h.result;
    // SIPp's own statistics give the peak of concurrent calls (CurrentCall per period).
    const peakInFlight = Math.max(0, ...(r.stats?.rows.map((row) => row.currentCalls) ?? [0]));
    return figure(peakInFlight, base ?? 0, peak, r.stats?.calls.successful ?? 0, r.stats?.calls.failed ?? 0);
  } finally {
    clearInterval(sample);
  }
}

export const memorySection: BenchSection = {
  name: 'memory',
  description:
    'RSS per 1,000 concurrent calls in load mode: sipconf UAC vs SIPp uac (calls held open against SIPp uas)',
  async run(ctx: BenchContext): Promise<Record<string, unknown>> {
    const rate = ctx.smoke ? 100 : 1000;
    const holdMs = ctx.smoke ? 1000 : 8000;
    const calls = ctx.smoke ? 100 : 10_000;
    const dir = mkdtempSync(join(os.tmpdir(), 'sipconf-bench-memory-'));
    const h: SippHandle = startSipp({
      builtin: 'uas',
      bufferSize: 4 * 1024 * 1024,
      traceRtt: false,
      hardTimeoutMs: 30 * 60_000,
    });
    try {
      const target = await h.ready;
      ctx.log(
        `  ${calls} calls at ${rate}/s held ${holdMs} ms (up to ${Math.min(calls, (rate * holdMs) / 1000)} in flight) against SIPp uas`,
      );
      const a = await ours(target, rate, calls, holdMs, dir);
      const b = await sipp(target, rate, calls, holdMs);
      const mib = (x: number | null): string => (x === null ? 'n/a' : `${(x / 2 ** 20).toFixed(2)} MiB`);
      ctx.log(
        `  sipconf UAC: peak ${a.peakInFlight} in flight, RSS ${mib(a.rssBaseBytes)} → ${mib(a.rssPeakBytes)}: ${mib(a.bytesPer1000Calls)} per 1,000 calls (${a.completed} completed, ${a.failed} failed)`,
      );
      ctx.log(
        `  SIPp uac:    peak ${b.peakInFlight} in flight, RSS ${mib(b.rssBaseBytes)} → ${mib(b.rssPeakBytes)}: ${mib(b.bytesPer1000Calls)} per 1,000 calls (${b.completed} completed, ${b.failed} failed)`,
      );
      const ratio =
        !ctx.smoke && a.bytesPer1000Calls && b.bytesPer1000Calls
          ? Math.round((a.bytesPer1000Calls / b.bytesPer1000Calls) * 100) / 100
          : null;
      if (ratio !== null) ctx.log(`  ratio sipconf/SIPp bytes per 1,000 calls: ${ratio}× (lower is better)`);
      return {
        rssPer1000CallsBytes: a.bytesPer1000Calls,
        sippRssPer1000CallsBytes: b.bytesPer1000Calls,
        ratio,
        sipconf: a,
        sipp: b,
        rate,
        holdMs,
        calls,
      };
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
