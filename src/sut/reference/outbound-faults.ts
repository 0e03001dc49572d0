/** Faults of the RFC 5626 edge proxy and authoritative proxy: keep-alives, flow failover. */
import type { FaultTable } from './fault-definition';

export const OUTBOUND_FAULTS = {
  'no-keepalive-pong': {
    description: 'the edge proxy never answers CRLFCRLF pings or STUN keep-alives (RFC 5626 §3.5.1, §4.4, §8)',
    onSwitch: (sut, on) => {
      for (const t of sut.transports) t.autoPong = !on;
    },
  },
  'no-failover-on-430': {
    description:
      'the authoritative proxy passes a 430 Flow Failed upstream instead of trying the next flow (RFC 5626 §7)',
    hooks: { proxy: { tryNextTarget: (next, failure) => (failure.status === 430 ? false : next) } },
  },
  'no-failover-on-flow-loss': {
    description:
      'the proxy answers 430 when the flow of a binding is gone instead of trying the next flow (RFC 5626 §5.3, §7)',
    hooks: {
      location: {
        targetsForBindings: (decision, { aor, bindings, log }) => {
          const first = bindings[0];
          if (!first || first.path.length > 0 || !first.flow?.closed || first.regId === undefined) return decision;
          log(`flow ${first.flow.id} of ${aor} is gone; (fault) answering 430 instead of trying the next flow`);
          return { status: 430, reason: 'Flow Failed' };
        },
      },
    },
  },
  'hang-when-all-flows-failed': {
    description:
      'when every flow failed the proxy sends no final response at all, instead of 480 (RFC 3261 §16.7 step 6)',
    hooks: { proxy: { finalWhenAllFailed: () => undefined } },
  },
} as const satisfies FaultTable;
