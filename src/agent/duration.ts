/**
 * Durations in the agent API and scenarios: a number of milliseconds, or text such as "500ms", "2s", "T1",
 * "64*T1", "32 s" — timer names resolve against the run's T1/T2/T4 (RFC 3261 §17, Table 4).
 */
import type { TimerConfig } from '../transaction/timers';

export type Duration = number | string;

export function toMs(d: Duration, timers: TimerConfig): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw new Error(`bad duration ${d}`);
    return d;
  }
  const s = d.trim();
  const m = /^(?:([0-9]+(?:\.[0-9]+)?)\s*\*\s*)?(T1|T2|T4)$/i.exec(s);
  if (m) {
    const factor = m[1] ? Number(m[1]) : 1;
    const name = m[2]!.toLowerCase() as 't1' | 't2' | 't4';
    return factor * timers[name];
  }
  const u = /^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m)?$/.exec(s);
  if (u) {
    const n = Number(u[1]);
    return u[2] === 's' ? n * 1000 : u[2] === 'm' ? n * 60000 : n;
  }
  throw new Error(`bad duration "${d}": use milliseconds, "2s", "500ms", "T1" or "64*T1"`);
}
