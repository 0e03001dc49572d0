/**
 * sipconf's library API: the same agents, checks and reports `sipconf run` uses, for checks written in your own
 * jest projects.
 *
 *   import { SipAgent, Registrant, ReferenceSut } from 'sipconf';
 */
export * as sip from './sip';
export * from './transport';
export { TransactionLayer } from './transaction/transaction-layer';
export { ClientTransaction } from './transaction/client-transaction';
export { ServerTransaction } from './transaction/server-transaction';
export { resolveTimers, DEFAULT_TIMERS, type TimerConfig } from './transaction/timers';
export type { Target, Received } from './transaction/transaction';
export {
  SipAgent,
  IncomingRequest,
  OutgoingRequest,
  OutgoingCall,
  type AgentOptions,
  type RespondOptions,
} from './agent/sip-agent';
export { Registrant, backoffWindow, RFC5626_BACKOFF, type RegistrantOptions } from './agent/registrant';
export { BindingStore, type Binding } from './agent/bindings';
export { ProxyCore } from './agent/proxy-core';
export { MockEdgeProxy } from './agent/edge-proxy';
export { FlowTokens } from './agent/flow-token';
export { Dialog } from './agent/dialog';
export { ExpectationError, Inbox } from './agent/expectation';
export { toMs, type Duration } from './agent/duration';
export { defineCheck, NonConformance, type CheckDefinition, type CheckMeta, type SutInfo } from './scenario/check';
export { CheckContext } from './scenario/context';
export { loadChecks, selectChecks } from './scenario/registry';
export { loadScenario, ScenarioError } from './scenario/yaml-scenario';
export { ReferenceSut, FAULTS, FAULT_NAMES, type FaultName } from './sut/reference';
export { loadProfile, ProfileError, type SutProfile } from './sut/profile';
export { startManagedSut } from './sut/managed';
export { probeOptions } from './sut/options-probe';
export * as report from './report';
export { runChecks } from './runner/run';
export * as sipp from './sipp';
