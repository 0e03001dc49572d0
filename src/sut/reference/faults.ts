/**
 * The reference SUT's fault switches: each one reproduces one defect that real proxies and registrars have, so
 * every conformance check can be shown to fail against a SUT that has the defect (a check that cannot fail proves
 * nothing). The README's fault table is generated from FAULTS. The RFC core (src/sip, src/transport,
 * src/transaction, src/agent) knows no fault: it offers hooks at RFC decisions, and a fault installs some.
 *
 * To add a fault:
 *  1. Add an entry to a table of this directory (proxy-faults.ts, registrar-faults.ts, outbound-faults.ts,
 *     event-faults.ts, method-faults.ts, b2bua-faults.ts, routing-faults.ts), or a
 *     new `<area>-faults.ts` spread into FAULT_DEFINITIONS below. Its key is the fault's one name (kebab-case).
 *  2. Give it a one-line `description` ending with the RFC section it breaks, and `hooks` (see FaultHooks in
 *     fault-definition.ts): each hook receives the RFC's outcome first and returns the defective one, e.g.
 *        'drop-2xx-ack': {
 *          description: 'the proxy drops the ACK for a 2xx instead of forwarding it (RFC 3261 §16.11)',
 *          hooks: { proxy: { forwardAck: () => undefined } },
 *        },
 *     When no hook fits, add one to the core named after the RFC step it decides (identity when absent), and to
 *     FaultHooks; for a defect that is a setting, `onSwitch(sut, on)`.
 *  3. Name the checks that must catch it in src/runner/fault-guards.ts (test/runner/fault-proof.test.ts proves it).
 */
import type { FaultDefinition, FaultTable } from './fault-definition';
import { EVENT_FAULTS } from './event-faults';
import { FORK_FAULTS } from './fork-faults';
import { METHOD_FAULTS } from './method-faults';
import { B2BUA_FAULTS } from './b2bua-faults';
import { OUTBOUND_FAULTS } from './outbound-faults';
import { PROXY_FAULTS } from './proxy-faults';
import { REGISTRAR_FAULTS } from './registrar-faults';
import { ROUTING_FAULTS } from './routing-faults';

export const FAULT_DEFINITIONS = merge(
  PROXY_FAULTS,
  REGISTRAR_FAULTS,
  OUTBOUND_FAULTS,
  EVENT_FAULTS,
  METHOD_FAULTS,
  B2BUA_FAULTS,
  ROUTING_FAULTS,
  FORK_FAULTS,
);

export type FaultName = keyof typeof FAULT_DEFINITIONS;

export const FAULT_NAMES = Object.keys(FAULT_DEFINITIONS) as FaultName[];

/** One line per fault: what the defective SUT does and the RFC section it breaks. */
export const FAULTS = Object.fromEntries(FAULT_NAMES.map((f) => [f, definition(f).description])) as Readonly<
  Record<FaultName, string>
>;

export function definition(name: FaultName): FaultDefinition {
  return (FAULT_DEFINITIONS as FaultTable)[name]!;
}

export function isFaultName(name: string): name is FaultName {
  return Object.prototype.hasOwnProperty.call(FAULT_DEFINITIONS, name);
}

/** Checks a list of fault names (from the command line or a config) and names the valid ones when one is unknown. */
export function parseFaults(names: readonly string[]): FaultName[] {
  const bad = names.filter((n) => !isFaultName(n));
  if (bad.length)
    throw new Error(
      `unknown fault${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ')}; valid faults: ${FAULT_NAMES.join(', ')}`,
    );
  return [...new Set(names)] as FaultName[];
}

/** The tables as one, refusing a name defined twice. */
function merge<T extends FaultTable[]>(...tables: T): UnionToIntersection<T[number]> {
  const all: Record<string, FaultDefinition> = {};
  for (const t of tables)
    for (const [name, d] of Object.entries(t)) {
      if (name in all) throw new Error(`fault "${name}" is defined twice`);
      all[name] = d;
    }
  return all as UnionToIntersection<T[number]>;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
