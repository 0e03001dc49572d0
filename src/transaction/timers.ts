/**
 * RFC 3261 §17 timer values (Table 4 of Appendix A), derived from T1, T2 and T4 — the one source of timer values for
 * agents, the reference SUT, SUT profiles and the load engine. The harness lets a run set T1 (and T2, T4) so checks
 * against a SUT configured with short timers finish fast.
 *
 * The rule (docs/architecture.md, "Timers"): T1, T2 and T4 are independent. A value not given takes the RFC default
 * (T1 500 ms, T2 4 s, T4 5 s) — Table 4 defines T2 and T4 as their own constants, not as multiples of T1, so
 * shortening T1 alone leaves them at 4 s and 5 s (as SIPp, Kamailio and most stacks do). The only adjustment: T2 is
 * never below T1, since it caps an interval that starts at T1 (§17.1.2.2).
 */
export interface TimerConfig {
  /** RTT estimate, default 500 ms (§17.1.1.1). */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  t2: number;
  /** Maximum duration a message remains in the network, default 5 s. */
  t4: number;
}

export const DEFAULT_TIMERS: TimerConfig = { t1: 500, t2: 4000, t4: 5000 };

export function resolveTimers(partial?: Partial<TimerConfig>): TimerConfig {
  const t1 = partial?.t1 ?? DEFAULT_TIMERS.t1;
  return {
    t1,
    t2: partial?.t2 ?? Math.max(t1, DEFAULT_TIMERS.t2),
    t4: partial?.t4 ?? DEFAULT_TIMERS.t4,
  };
}

export const timer = {
  /** Timer A/E/G: the n-th (0-based) retransmit interval. A doubles without cap; E and G cap at T2. */
  retransmit(t: TimerConfig, n: number, capAtT2: boolean): number {
    const v = t.t1 * 2 ** n;
    return capAtT2 ? Math.min(v, t.t2) : v;
  },
  /** Timers B, F, H, J, L, M: 64·T1. */
  sixtyFourT1(t: TimerConfig): number {
    return 64 * t.t1;
  },
  /**
   * Timer D (§17.1.1.2): at least 32 s over unreliable transports, 0 over reliable ones. The RFC's 32 s equals
   * 64·T1 at the default T1; with a shortened T1 we scale it the same way so short-timer runs stay short.
   */
  d(t: TimerConfig, reliable: boolean): number {
    return reliable ? 0 : 64 * t.t1;
  },
  /** Timers I and K: T4 over unreliable transports, 0 over reliable ones. */
  t4OrZero(t: TimerConfig, reliable: boolean): number {
    return reliable ? 0 : t.t4;
  },
};
