/**
 * What a fault of the reference SUT is: a description (one line, naming the RFC section it breaks) and the hooks it
 * installs on the RFC core. Every hook receives the outcome the RFC prescribes as its first argument and returns the
 * outcome to apply instead; when several active faults hook the same decision, they apply in FAULT_NAMES order,
 * each on the previous one's outcome. See faults.ts for how to add one.
 */
import type { BindingDecisions } from '../../agent/bindings';
import type { ProxyDecisions } from '../../agent/proxy-core';
import type { ClientTransactionHooks } from '../../transaction/client-transaction';
import type { TransportLayer } from '../../transport/transport-layer';
import type { B2buaDecisions } from './b2bua-call';
import type { LocationDecisions } from './location';
import type { PresenceDecisions } from './presence';
import type { RegistrarDecisions } from './registrar';
import type { RequestDecisions } from './request-decisions';

/** The decision points a fault can hook, by layer. */
export interface FaultHooks {
  /** src/transaction/client-transaction.ts: the proxy's client transactions (§17.1). */
  transaction?: Partial<ClientTransactionHooks>;
  /** src/agent/proxy-core.ts: the stateful proxy (§16). */
  proxy?: Partial<ProxyDecisions>;
  /** src/agent/bindings.ts: the registrar's binding updates (§10.3 steps 6–7). */
  bindings?: Partial<BindingDecisions>;
  /** src/sut/reference/registrar.ts: the 200 to REGISTER (§10.3 step 8). */
  registrar?: Partial<RegistrarDecisions>;
  /** src/sut/reference/location.ts: the location service (§16.5, RFC 5626 §7). */
  location?: Partial<LocationDecisions>;
  /** src/sut/reference/presence.ts: the presence notifier (RFC 6665). */
  presence?: Partial<PresenceDecisions>;
  /** src/sut/reference/request-decisions.ts: the node's own decisions around the proxy (§16.3, §16.6, §11.2). */
  requests?: Partial<RequestDecisions>;
  /** src/sut/reference/b2bua-call.ts and b2bua.ts: the B2BUA role's decisions (RFC 3261 §9, §13–§15, §22). */
  b2bua?: Partial<B2buaDecisions>;
}

/** The parts of a running SUT a fault may switch directly (for a defect that is a setting, not a decision). */
export interface SwitchableSut {
  readonly transports: readonly TransportLayer[];
}

export interface FaultDefinition {
  /** One line: what the defective SUT does, ending with the RFC section it breaks (the README's fault table). */
  readonly description: string;
  readonly hooks?: FaultHooks;
  /** Called when the fault is switched on or off (also at start, for the faults the SUT starts with). */
  onSwitch?(sut: SwitchableSut, on: boolean): void;
}

export type FaultTable = Readonly<Record<string, FaultDefinition>>;
