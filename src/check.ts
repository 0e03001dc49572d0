/**
 * The API for writing checks (`import { defineCheck, reachableParty } from 'sipconf/check'`): the check
 * definition, the context a check runs in, the flow helpers that set up parties through the SUT, the RFC 5626
 * outbound helpers, expectations, and the robustness and SIPp helpers the shipped checks use. The SIP types the
 * helpers take and return (SipAgent, SipResponse, SipUri, …) come from the main entry, `sipconf`.
 */
export {
  defineCheck,
  NonConformance,
  type CheckDefinition,
  type CheckMeta,
  type Severity,
  type SutInfo,
  type SutRole,
} from './scenario/check';
export { CheckContext, type StepReporter, type UaInstance, type UaLauncher } from './scenario/context';
export {
  caller,
  clock,
  expectAtCaller,
  hasRegistrar,
  inviteThroughSut,
  reachableParty,
  sipUriOf,
  type Party,
} from './scenario/flows';
export {
  boundRegIds,
  expectInviteOnFlows,
  harnessEdge,
  registerFlows,
  regIdOfFlow,
  type OutboundUa,
} from './scenario/outbound';
// Subscriptions (RFC 6665): subscribe to the SUT's notifier, expect NOTIFYs with their Subscription-State
export {
  assertSubscribe2xx,
  expectNotify,
  presentity,
  sendSubscribe,
  subscribe,
  subscribeAnswer,
  throughSut,
  type NotifyExpectation,
  type SubscribeStepOptions,
} from './scenario/event-flows';
export {
  ackInDialog,
  establishCall,
  expectInDialog,
  requestInDialog,
  type EstablishedCall,
} from './scenario/dialog-flows';
export { SetupError } from './scenario/check';
export { arrivalsAt, assertRetransmitIntervals, intervalTolerance, type RetransmitRule } from './scenario/timer-flows';
export { retryInviteWithCredentials } from './agent/invite-auth';
export { ackReinvite, glareRetryDelay, sendInDialog } from './agent/in-dialog';
export { offers100rel, prack, sendReliableProvisional, type ReliableProvisional } from './agent/reliable-provisional';
export { answerDirection, directionOf, nextVersion, withDirection, type Direction } from './agent/sdp-direction';
export { ExpectationError } from './agent/expectation';
export { toMs, type Duration } from './agent/duration';
export { backoffWindow, RFC5626_BACKOFF, type BackoffTimes } from './agent/registrant';

// Robustness checks: seeded mutations, RFC 4475 torture cases, the liveness probe between cases
export {
  attachCase,
  baseFactory,
  corpusMessages,
  describeAllowed,
  generateMutations,
  livenessBound,
  probeLiveness,
  rejectCases,
  runLivenessCases,
  runRejectCases,
  seedOf,
  serializeRaw,
  sutUri,
  type BaseFactory,
  type CorpusMessage,
  type LivenessResult,
  type LivenessRunOptions,
  type MutationOptions,
  type RawMessage,
  type RejectCase,
  type RejectVerdict,
  type RobustnessCase,
  type StreamOrDatagram,
} from './scenario/robustness';

// SIPp as a step of a check (Debian sip-tester)
export {
  runSippStep,
  startSippStep,
  sippAccount,
  sippRoute,
  type SippAccount,
  type SippRoute,
  type SippStepHandle,
  type SippStepOptions,
} from './sipp/sipp-check';
export type { SippResult } from './sipp/run-sipp';
export { shippedScenario, type ShippedScenario } from './sipp/scenarios';
