/**
 * The reference SUT's location service (RFC 3261 §16.5, §10; RFC 5626 §7): the targets of a request to an AOR of
 * its domain, from the AOR's bindings.
 */
import type { Binding } from '../../agent/bindings';
import type { TargetDecision } from '../../agent/proxy-core';

/** Extension points at the location service's decisions; each receives the RFC's outcome first. */
export interface LocationDecisions {
  /** §16.5, RFC 5626 §7: the targets (or a status) for the current bindings of an AOR. */
  targetsForBindings(
    decision: TargetDecision,
    context: { aor: string; bindings: readonly Binding[]; log(line: string): void },
  ): TargetDecision;
}
