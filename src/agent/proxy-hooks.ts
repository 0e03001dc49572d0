/**
 * What a ProxyCore (RFC 3261 §16) is built with: `ProxyHooks` are what the proxy's owner supplies (location
 * service, Record-Route policy, failover policy); `ProxyDecisions` are extension points at single RFC steps, each
 * receiving the RFC's outcome and returning the one to apply (identity when absent).
 */
import type { SipRequest, SipResponse } from '../sip/message';
import type { SipUri, Uri } from '../sip/uri';
import type { Target } from '../transaction/transaction';
import type { Flow } from '../transport/types';

export interface ProxyTarget {
  /** New Request-URI (a binding's Contact); unchanged when absent. */
  requestUri?: Uri;
  /** Where to send; when absent: the top Route after `routes` are pushed, else the Request-URI. */
  target?: Target;
  /** Route values pushed on top (e.g. a binding's Path, RFC 3327). */
  routes?: string[];
  /** A label for logs and failover decisions, e.g. "alice reg-id 1". */
  label?: string;
  /**
   * Targets of one fork group are alternatives, tried one after the other (the flows of one UA instance, RFC 5626
   * §5.3); different groups are forked in parallel (RFC 3261 §16.6). Targets without a group form one group.
   */
  forkGroup?: string;
}

export type TargetDecision =
  { targets: ProxyTarget[] } | { status: number; reason?: string; headers?: Array<[string, string | number]> };

export interface RouteContext {
  /** The Route values this proxy removed because they named it (§16.4), in order. */
  poppedRoutes: SipUri[];
}

export interface BranchFailure {
  target: ProxyTarget;
  status: number;
  /** 'response' when the status came from downstream; otherwise synthesized here. */
  cause: 'response' | 'transport-error' | 'timeout';
  /** The final response received, when cause is 'response'. */
  response?: SipResponse;
}

export interface ProxyHooks {
  /** §16.5: the targets of a request. */
  targets(req: SipRequest, ctx: RouteContext, from: Flow): Promise<TargetDecision> | TargetDecision;
  /** Adjusts the request before targets are chosen (an edge proxy adds its Path to a REGISTER, RFC 5626 §5.1). */
  prepare?(req: SipRequest, from: Flow): void;
  /** Whether a URI names this proxy (so §16.4 removes it from Route). */
  isOwn(uri: SipUri): boolean;
  /** The Record-Route URI to add (§16.6 step 4), or undefined not to record-route. */
  recordRoute?(req: SipRequest, target: ProxyTarget, from: Flow, to: Flow): string | undefined;
  /** A branch failed; return true to try the next target (default: 430 and synthesized failures, RFC 5626 §7). */
  retry?(failure: BranchFailure): boolean;
  /** All targets failed: the final status to send upstream (default: the best response, §16.7 step 6). */
  allFailed?(failures: BranchFailure[]): { status: number; reason?: string } | undefined;
}

export interface FinalStatus {
  status: number;
  reason?: string;
}

/**
 * Extension points at single RFC steps of the proxy: each receives the outcome the RFC prescribes (first argument)
 * and returns the outcome to apply. Absent hooks apply the RFC's outcome.
 */
export interface ProxyDecisions {
  /**
   * §16.6 step 3 (and §16.11 for the ACK): the Max-Forwards of the forwarded copy, given the RFC's value (one less,
   * 70 when absent) and the received one. undefined leaves the header as received.
   */
  maxForwards(next: number | undefined, received: number | undefined): number | undefined;
  /** §16.11: the ACK for a 2xx about to be forwarded statelessly; undefined forwards nothing. */
  forwardAck(ack: SipRequest | undefined): SipRequest | undefined;
  /**
   * §16.7 step 5, RFC 6026 §7.2: a 2xx to INVITE about to go upstream; `first` is false for every later one (its
   * retransmissions, also those arriving after the transaction ended). undefined forwards nothing.
   */
  forward2xx(res: SipResponse | undefined, info: { first: boolean }): SipResponse | undefined;
  /** §16.10: whether a CANCEL (answered 200) cancels the pending branch of its INVITE. */
  cancelBranches(cancel: boolean, request: SipRequest): boolean;
  /** §16.7 step 6, RFC 5626 §7: whether a failed branch is followed by the next target. */
  tryNextTarget(next: boolean, failure: BranchFailure): boolean;
  /** §16.7 step 6: the final response sent upstream when every target failed; undefined sends none. */
  finalWhenAllFailed(final: FinalStatus | undefined, failures: BranchFailure[]): FinalStatus | undefined;
  /** §16.7 step 6: the best of the branches' final responses, given the RFC's choice and every failure. */
  bestResponse(best: BranchFailure, failures: readonly BranchFailure[]): BranchFailure;
  /** §16.7 step 7: the 401/407 sent upstream with every branch's challenge merged in. */
  mergeChallenges(merged: SipResponse, chosen: SipResponse): SipResponse;
  /**
   * §16.7 step 10 (a final response went upstream) and step 5 (a 6xx arrived): whether the other pending branches
   * are CANCELled.
   */
  cancelOtherBranches(cancel: boolean, why: '2xx' | '6xx'): boolean;
  /** §16.2, §17.2.1: whether a 100 Trying is sent at once for an INVITE. */
  sendTrying(send: boolean): boolean;
}

export interface ProxyOptions {
  /** Timer C (§16.8) for INVITE branches, default 3 minutes. */
  timerCMs?: number;
  decisions?: Partial<ProxyDecisions>;
  /** Called with a one-line description of what the proxy did (for the SUT log). */
  log?: (line: string) => void;
}
