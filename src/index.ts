/**
 * sipconf's library API (`require('sipconf')`): the agents, registrar, edge proxy, reference SUT, SIP message
 * types and digest that `sipconf run` uses, for your own jest tests. Checks import from `sipconf/check`.
 *
 *   import { SipAgent, Registrant, ReferenceSut } from 'sipconf';
 *
 * This list is the public surface (etc/sipconf.api.md records it; `npm run api:update` after a deliberate change):
 * parser fast paths, lexer helpers and transaction internals are not part of it.
 */

// SIP messages (RFC 3261 §7, §20), URIs (§19.1), header fields and builders
export { SipRequest, SipResponse, type SipMessage, type Header, describe as describeMessage } from './sip/message';
export { REASON_PHRASES } from './sip/message';
export { parse, type ParseOptions, type ParseResult, type Strictness } from './sip/parser';
export { SipSyntaxError, type Diagnostic } from './sip/errors';
export { createRequest, createResponse, newBranch, newCallId, newTag, type RequestInit } from './sip/builders';
export { parseUri, SipUri, TelUri, AbsoluteUri, type Uri, type UriParseOptions } from './sip/uri';
export { NameAddr, parseNameAddr, Via, parseVia, parseCSeq, type CSeq, type Contact } from './sip/fields';
export { lint, type LintResult } from './sip/lint';

// HTTP digest for SIP (RFC 3261 §22, RFC 7616, RFC 8760)
export {
  DigestClient,
  DigestServer,
  computeDigestResponse,
  computeHA1,
  parseChallenge,
  formatAuthorization,
  parseAuthorization,
  type Authorization,
  type AuthorizeOptions,
  type DigestAlgorithm,
  type DigestChallenge,
  type DigestCredentials,
  type DigestQop,
  type DigestServerOptions,
  type DigestVerdict,
  type DigestFailure,
  type DigestInput,
} from './sip/digest';

// Transport (RFC 3261 §18, RFC 5626 flows) and the trace of a test
export { TransportLayer } from './transport/transport-layer';
export type {
  TransportLayerOptions,
  TlsClientOptions,
  KeepaliveOptions,
  FlowToOptions,
} from './transport/transport-layer';
export {
  formatEndpoint,
  TransportError,
  type Endpoint,
  type Flow,
  type FlowCloseReason,
  type FaultDirection,
  type InboundMessage,
  type Listener,
  type ListenOptions,
  type TlsServerOptions,
  type TransportProtocol,
} from './transport/types';
export { Trace, type TraceEntry, type TraceInput, type TraceKind } from './transport/trace';
export { resolveTimers, DEFAULT_TIMERS, type TimerConfig } from './transaction/timers';
export type { Target, Received } from './transaction/transaction';

// Agents: UAC/UAS with dialogs, registrant (RFC 5626 outbound), mock registrar, harness edge proxy
export {
  SipAgent,
  IncomingRequest,
  OutgoingRequest,
  OutgoingCall,
  type AgentOptions,
  type ExpectOptions,
  type FlowEvent,
  type RespondOptions,
  type StatusMatch,
} from './agent/sip-agent';
export { Dialog } from './agent/dialog';
export { Subscription, type SubscribeOptions, type ReceivedNotify, type SubscribeExchange } from './agent/subscription';
export { Notifier, type NotifyOptions } from './agent/notifier';
export {
  parseEvent,
  parseSubscriptionState,
  parseAllowEvents,
  formatSubscriptionState,
  type EventHeader,
  type SubscriptionState,
} from './sip/event-headers';
export { defaultSdp } from './agent/default-sdp';
export {
  Registrant,
  backoffWindow,
  RFC5626_BACKOFF,
  type BackoffTimes,
  type RegistrantOptions,
} from './agent/registrant';
export {
  MockRegistrar,
  type MockRegistrarOptions,
  type RecordedRegister,
  type RegisterAnswer,
} from './agent/registrar';
export { BindingStore, type Binding, type RegisterOutcome } from './agent/bindings';
export { MockEdgeProxy, type EdgeOptions } from './agent/edge-proxy';
export { ExpectationError } from './agent/expectation';
export { toMs, type Duration } from './agent/duration';

// The system under test: the embedded reference SUT (with its fault switches), profiles, the OPTIONS probe
export { ReferenceSut, FAULTS, FAULT_NAMES, type FaultName, type ReferenceSutOptions } from './sut/reference';
export {
  loadProfile,
  ProfileError,
  type ExpectedFailure,
  type SutProfile,
  type SutTransport,
  type SutUser,
} from './sut/profile';
export { probeOptions, type ProbeOptions, type ProbeResult } from './sut/options-probe';

// Running checks programmatically (what `sipconf run` does)
export { runChecks, RunSetupError, type RunOptions, type RunOutcome } from './runner/run';
export { loadChecks, selectChecks, type Selection } from './scenario/registry';
export { loadScenario, ScenarioError } from './scenario/yaml-scenario';
export type { RunSummary, CheckSummary, CheckStatus } from './report/summary';
export type { CheckDefinition, CheckMeta, Severity, SutInfo, SutRole } from './scenario/check';
