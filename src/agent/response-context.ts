/**
 * A stateful proxy's response context (RFC 3261 §16.7): the branches of one forwarded request, grouped in lanes,
 * and the choice of the response that goes upstream when no 2xx did.
 *
 * Targets are forked in parallel (§16.6: "a stateful proxy MAY ... forward in parallel"), one lane per fork group;
 * the targets of one lane are alternatives tried one after the other — the flows of one UA instance (RFC 5626
 * §5.3, §7), or every target of a proxy that does not group them.
 */
import type { SipResponse } from '../sip/message';
import type { ClientTransaction } from '../transaction/client-transaction';
import type { BranchFailure, FinalStatus, ProxyDecisions, ProxyHooks, ProxyTarget } from './proxy-hooks';

export interface Branch {
  readonly lane: Lane;
  readonly target: ProxyTarget;
  readonly tx: ClientTransaction;
  timerC?: NodeJS.Timeout;
  /** A CANCEL is owed and goes out with the branch's first provisional response (§9.1). */
  cancelOwed: boolean;
  cancelSent: boolean;
  /** Its final outcome is known (a final response, a timeout, Timer C). */
  done: boolean;
}

export interface Lane {
  readonly targets: ProxyTarget[];
  next: number;
  current?: Branch;
  /** No target of this lane is pending or left to try. */
  done: boolean;
  /** The lane's last failure was one after which the next target would be tried (a flow failure, RFC 5626 §7). */
  endedRetryable: boolean;
}

/** Splits targets into lanes by fork group, keeping the order of first appearance. */
export function lanesOf(targets: readonly ProxyTarget[]): Lane[] {
  const byGroup = new Map<string, ProxyTarget[]>();
  for (const t of targets) {
    const key = t.forkGroup ?? '';
    const list = byGroup.get(key);
    if (list) list.push(t);
    else byGroup.set(key, [t]);
  }
  return [...byGroup.values()].map((ts) => ({ targets: ts, next: 0, done: false, endedRetryable: false }));
}

/**
 * §16.7 step 6: the best of the final responses received — a 6xx if there is one, else one of the lowest response
 * class; within 4xx, 401, 407, 415, 420 and 484 are preferred (they let the caller act). Failures the proxy
 * synthesized (408 Timer B/C, 503 transport error, 430) rank after every response received.
 */
export function bestFailure(failures: readonly BranchFailure[]): BranchFailure | undefined {
  return [...failures].sort((a, b) => rank(a) - rank(b))[0];
}

const PREFERRED_4XX = new Set([401, 407, 415, 420, 484]);

function rank(f: BranchFailure): number {
  const s = f.status;
  const synthesized = f.cause !== 'response' || s === 430;
  const base = s >= 600 ? 0 : Math.floor(s / 100) * 1000 + (s >= 400 && s < 500 && PREFERRED_4XX.has(s) ? 0 : 500);
  return base + (synthesized ? 10_000 : 0) + s / 1000;
}

/**
 * §16.7 step 7: a 401 or 407 chosen as the best response carries every WWW-Authenticate and Proxy-Authenticate
 * value of the 401 and 407 responses received on all branches.
 */
export function withMergedChallenges(best: SipResponse, failures: readonly BranchFailure[]): SipResponse {
  if (best.status !== 401 && best.status !== 407) return best;
  const merged = best.clone();
  for (const f of failures) {
    const res = f.response;
    if (!res || res === best || (res.status !== 401 && res.status !== 407)) continue;
    for (const name of ['WWW-Authenticate', 'Proxy-Authenticate'])
      for (const v of res.getAll(name)) merged.append(name, v);
  }
  return merged;
}

/** §16.7 step 6: a 503 chosen as best goes upstream as 500 (the callee's overload is not the caller's). */
export function upstreamStatus(status: number): number {
  return status === 503 ? 500 : status;
}

/**
 * §16.7 step 6, once every branch has ended without a 2xx: what goes upstream — a received response (the best,
 * challenges merged), a status of our own, or nothing when a decision withholds it.
 */
export function finalResponse(
  lanes: readonly Lane[],
  failures: readonly BranchFailure[],
  hooks: Pick<ProxyHooks, 'allFailed'>,
  decisions: Partial<ProxyDecisions>,
): { response: SipResponse } | FinalStatus | undefined {
  // Every lane ran out of targets on failures that ask for the next one (flow failures): the location service's
  // answer (RFC 5626 §7: 480), else the best status; a decision may withhold it.
  if (lanes.every((l) => l.endedRetryable)) {
    const rfcFinal = hooks.allFailed?.([...failures]) ?? { status: bestFailure(failures)?.status ?? 480 };
    return decisions.finalWhenAllFailed ? decisions.finalWhenAllFailed(rfcFinal, [...failures]) : rfcFinal;
  }
  const rfcBest = bestFailure(failures)!;
  const best = decisions.bestResponse ? decisions.bestResponse(rfcBest, failures) : rfcBest;
  if (!best.response) return { status: best.status };
  if (best.response.status === 503) return { status: upstreamStatus(503) };
  const merged = withMergedChallenges(best.response, failures);
  return { response: decisions.mergeChallenges ? decisions.mergeChallenges(merged, best.response) : merged };
}
