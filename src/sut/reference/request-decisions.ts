/**
 * The reference SUT node's own decisions on a request before and around the proxy core (RFC 3261 §16), which faults
 * may override (see fault-definition.ts): each receives the RFC's outcome first and returns the one to apply.
 */
import type { RequestRejection } from '../../agent/request-validation';
import type { SipRequest } from '../../sip/message';
import type { SipUri } from '../../sip/uri';

export interface RequestDecisions {
  /** §16.6 step 4: the Record-Route value added to a forwarded dialog-forming request (undefined: none). */
  recordRoute(value: string | undefined, req: SipRequest): string | undefined;
  /** The status the node answers a request with itself instead of proxying it (undefined: proxy it, §16.5). */
  answerItself(status: number | undefined, req: SipRequest): number | undefined;
  /** §16.3 step 3: whether a request with Max-Forwards 0 is answered here rather than forwarded. */
  maxForwardsExhausted(exhausted: boolean, req: SipRequest): boolean;
  /** §16.3 steps 1–6: the response rejecting a request that fails validation (undefined: process the request). */
  rejectInvalid(rejection: RequestRejection | undefined, req: SipRequest): RequestRejection | undefined;
  /** §16.4: whether a Route value naming this proxy is removed from the request before it is forwarded. */
  ownRouteRemoved(removed: boolean, route: SipUri, req: SipRequest): boolean;
  /** §11.2: the header fields of the node's own 200 to OPTIONS. */
  optionsHeaders(headers: Array<[string, string]>): Array<[string, string]>;
}
