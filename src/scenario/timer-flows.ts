/**
 * Measuring the SUT's own retransmission timers (RFC 3261 §17.1.1.2 Timer A, §17.1.2.2 Timer E) at the harness's
 * receive times: every copy of a request that reached an agent is in the check's trace with its monotonic time.
 */
import { parse } from '../sip/parser';
import type { CheckContext } from './context';

/** Receive times (performance.now() ms) of every copy of the request with this method and top Via branch at `agent`. */
export function arrivalsAt(ctx: CheckContext, agent: string, method: string, branch: string): number[] {
  const times: number[] = [];
  for (const e of ctx.trace.entries) {
    if (e.direction !== 'in' || e.kind !== 'sip' || e.agent !== agent) continue;
    const m = parse(e.data, { mode: 'lenient' }).message;
    if (!m?.isRequest || m.method !== method) continue;
    let top: string | undefined;
    try {
      top = m.topVia.branch;
    } catch {
      top = undefined;
    }
    if (top === branch) times.push(e.mono);
  }
  return times;
}

export interface RetransmitRule {
  /** What was retransmitted, for messages: "the INVITE to bob". */
  what: string;
  t1: number;
  /** Timer E's cap (T2); undefined: Timer A, doubling without bound. */
  cap?: number;
  /** At least this many retransmissions must have been seen (the SUT's limit allows them). */
  minRetransmits: number;
  rfc: string;
}

/** Allowed deviation of one measured interval: 25 % of the expected one, at least 50 ms (scheduling, loopback). */
export function intervalTolerance(expected: number): number {
  return Math.max(50, expected / 4);
}

/** Asserts the intervals between copies are T1, 2·T1, 4·T1 … (capped at T2 for Timer E), each within tolerance. */
export function assertRetransmitIntervals(ctx: CheckContext, times: readonly number[], rule: RetransmitRule): void {
  const n = times.length - 1;
  ctx.assert(
    n >= rule.minRetransmits,
    `${rule.what} was retransmitted ${n} time(s); at T1 = ${rule.t1} ms it must be sent again at T1, 2·T1, 4·T1 … ` +
      `until the timeout, at least ${rule.minRetransmits} time(s) (${rule.rfc})`,
  );
  const measured = times.slice(1).map((t, i) => Math.round(t - times[i]!));
  const expected = measured.map((_, i) => Math.min(rule.t1 * 2 ** i, rule.cap ?? Infinity));
  const list = (xs: number[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} …` : xs.join(', '));
  const bad = measured.findIndex((m, i) => Math.abs(m - expected[i]!) > intervalTolerance(expected[i]!));
  ctx.assert(
    bad < 0,
    `${rule.what} was retransmitted after ${list(measured)} ms; expected ${list(expected)} ms ` +
      `(T1 = ${rule.t1} ms${rule.cap ? `, capped at T2 = ${rule.cap} ms` : ''}; each within 25 % or 50 ms) — ` +
      `interval ${bad + 1} (${measured[bad]} ms, expected ${expected[bad]}) is off (${rule.rfc})`,
  );
  ctx.note(`${rule.what}: retransmission intervals ${measured.join(', ')} ms (expected ${expected.join(', ')})`);
}
