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

/**
 * Allowed deviation of one copy from the schedule: 25 % of the interval before it, at least 100 ms (the harness
 * stamps a datagram when its event loop reads it; under load that lags by tens of milliseconds).
 */
export function intervalTolerance(expected: number): number {
  return Math.max(100, expected / 4);
}

/**
 * Asserts the copies follow the schedule T1, 2·T1, 4·T1 … apart (capped at T2 for Timer E): each arrival is compared
 * with the expected send time, the schedule anchored where it fits the arrivals best (the median offset), so one
 * late-read datagram does not shift every interval after it.
 */
export function assertRetransmitIntervals(ctx: CheckContext, times: readonly number[], rule: RetransmitRule): void {
  const n = times.length - 1;
  ctx.assert(
    n >= rule.minRetransmits,
    `${rule.what} was retransmitted ${n} time(s); at T1 = ${rule.t1} ms it must be sent again at T1, 2·T1, 4·T1 … ` +
      `until the timeout, at least ${rule.minRetransmits} time(s) (${rule.rfc})`,
  );
  const measured = times.slice(1).map((t, i) => Math.round(t - times[i]!));
  const expected = measured.map((_, i) => Math.min(rule.t1 * 2 ** i, rule.cap ?? Infinity));
  const schedule = [0, ...expected.map((_, i) => expected.slice(0, i + 1).reduce((a, b) => a + b, 0))];
  // The schedule is anchored at the median offset of the retransmissions, so one copy read late does not shift the
  // rest. The original is left out of the anchor: a read can only be late, and when the original is read late
  // (an event loop busy as the check starts) it lands next to the first retransmission. So the original may sit
  // up to one T1 late against the anchor, never early (that would be a first retransmission sent late).
  const deviation = (i: number) => times[i]! - times[0]! - schedule[i]! - anchor;
  const offsets = times
    .slice(1)
    .map((t, i) => t - times[0]! - schedule[i + 1]!)
    .sort((a, b) => a - b);
  const anchor = offsets[Math.floor(offsets.length / 2)] ?? 0;
  const bad = times.findIndex((_, i) => {
    const tolerance = intervalTolerance(i === 0 ? rule.t1 : expected[i - 1]!);
    return i === 0
      ? deviation(0) < -tolerance || deviation(0) > rule.t1 + tolerance
      : Math.abs(deviation(i)) > tolerance;
  });
  const list = (xs: number[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} …` : xs.join(', '));
  ctx.assert(
    bad < 0,
    `${rule.what} was retransmitted after ${list(measured)} ms; expected ${list(expected)} ms ` +
      `(T1 = ${rule.t1} ms${rule.cap ? `, capped at T2 = ${rule.cap} ms` : ''}; each copy within 25 % of its ` +
      `interval or 100 ms of that schedule) — copy ${bad} is off (${rule.rfc})`,
  );
  ctx.note(`${rule.what}: retransmission intervals ${measured.join(', ')} ms (expected ${expected.join(', ')})`);
}
