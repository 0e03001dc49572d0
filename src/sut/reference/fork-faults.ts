/** Faults of the proxy's forking and response choice (RFC 3261 §16.6, §16.7). */
import type { BranchFailure } from '../../agent/proxy-core';
import type { FaultTable } from './fault-definition';

export const FORK_FAULTS = {
  'fork-first-binding-only': {
    description:
      "the proxy sends an INVITE to only the first of an AOR's bindings instead of forking to every one (RFC 3261 §16.5, §16.6)",
    hooks: {
      location: {
        targetsForBindings: (decision) =>
          'targets' in decision
            ? { targets: decision.targets.filter((t) => t.forkGroup === decision.targets[0]?.forkGroup) }
            : decision,
      },
    },
  },
  'no-cancel-other-branches': {
    description:
      'after a 2xx or a 6xx on one branch the proxy leaves the other branches ringing instead of CANCELling them (RFC 3261 §16.7 steps 5, 10)',
    hooks: { proxy: { cancelOtherBranches: () => false } },
  },
  'worst-response-forwarded': {
    description:
      'with every branch failed the proxy forwards the last response received, not the best one (RFC 3261 §16.7 step 6)',
    hooks: { proxy: { bestResponse: (best, failures) => lastReceived(failures) ?? best } },
  },
  'challenges-not-merged': {
    description:
      "a 401/407 forwarded after forking carries only its own challenge, not every branch's (RFC 3261 §16.7 step 7)",
    hooks: { proxy: { mergeChallenges: (_merged, chosen) => chosen } },
  },
} as const satisfies FaultTable;

function lastReceived(failures: readonly BranchFailure[]): BranchFailure | undefined {
  return [...failures].reverse().find((f) => f.response);
}
