/**
 * Which check guards against which defect of the embedded reference SUT's fault switches — the proof that each
 * check can fail, and the README's table "what each check protects against". `alsoFails` lists the checks that
 * legitimately fail too because they rely on the same behaviour on their way (e.g. every check that ACKs a 2xx
 * through the SUT needs the ACK forwarded); every other check must still pass with the fault on.
 */
import type { FaultName } from '../sut/reference';

export interface FaultGuard {
  /** The reference SUT's role the fault belongs to (default proxy): its checks run against the SUT in that role. */
  role?: 'proxy' | 'b2bua';
  /** The checks that exist to catch this defect: they must fail, with a message matching `message`. */
  guards: string[];
  message: RegExp;
  /** Checks that depend on the same behaviour and fail too. */
  alsoFails: string[];
}

export const FAULT_GUARDS: Record<FaultName, FaultGuard> = {
  'drop-2xx-ack': {
    guards: ['INVITE-2XX-ACK'],
    message: /no ACK for the 200 OK .* within .*64·T1/,
    alsoFails: [
      'INVITE-2XX-RETRANSMIT',
      'INVITE-BYE',
      'OUTBOUND-FAILOVER-430',
      'OUTBOUND-FAILOVER-CONNLOSS',
      'OUTBOUND-REREGISTER',
      'FORK-2XX-CANCELS-OTHERS',
      'PROXY-RECORD-ROUTE',
    ],
  },
  'no-2xx-retransmit-forward': {
    guards: ['INVITE-2XX-RETRANSMIT'],
    message: /did not forward the 2xx retransmissions/,
    alsoFails: [],
  },
  'no-non2xx-ack': { guards: ['INVITE-NON2XX-ACK'], message: /no ACK for the 486/, alsoFails: ['FORK-BEST-RESPONSE'] },
  'ignore-cancel': { guards: ['INVITE-CANCEL'], message: /did not forward the CANCEL/, alsoFails: [] },
  'no-max-forwards-decrement': {
    guards: ['INVITE-MAX-FORWARDS'],
    message: /Max-Forwards 70 after 1 proxy hop/,
    alsoFails: [],
  },
  'no-contact-in-200': {
    guards: ['REGISTER-200-OK'],
    message: /does not list bob's binding/,
    alsoFails: [
      'REGISTER-AUTH',
      'REGISTER-MULTI',
      'REGISTER-QUERY',
      'REGISTER-REFRESH',
      'OUTBOUND-REGISTER',
      'OUTBOUND-TWO-FLOWS',
      'OUTBOUND-REREGISTER',
    ],
  },
  'duplicate-binding-on-refresh': {
    guards: ['REGISTER-REFRESH'],
    message: /lists 2 Contact\(s\).*expected 1/,
    alsoFails: ['OUTBOUND-REREGISTER'],
  },
  'ignore-expires-0': {
    guards: ['REGISTER-REMOVE', 'REGISTER-REMOVE-ALL'],
    message: /still lists bob's binding|lists \d+ Contact\(s\).*expected 0/,
    alsoFails: [],
  },
  'no-require-outbound': { guards: ['OUTBOUND-REGISTER'], message: /no "Require: outbound"/, alsoFails: [] },
  'no-keepalive-pong': { guards: ['OUTBOUND-KEEPALIVE'], message: /no CRLF pong/, alsoFails: [] },
  'no-failover-on-430': {
    guards: ['OUTBOUND-FAILOVER-430'],
    message: /no INVITE reached bob|received a 430/,
    alsoFails: [],
  },
  'no-failover-on-flow-loss': {
    guards: ['OUTBOUND-FAILOVER-CONNLOSS'],
    message: /no INVITE reached bob|not on the surviving flow/,
    alsoFails: ['OUTBOUND-REREGISTER', 'OUTBOUND-ALL-FLOWS-FAILED'],
  },
  'hang-when-all-flows-failed': {
    guards: ['OUTBOUND-ALL-FLOWS-FAILED'],
    message: /no final response .* every flow of the callee failed/,
    alsoFails: ['TIMER-A-B-INVITE', 'TIMER-E-F-NON-INVITE'],
  },
  'no-notify-after-subscribe': {
    guards: ['SUBSCRIBE-200-OK'],
    message: /no NOTIFY reached alice within .*\(RFC 6665 §4\.2\.2\)/,
    // Each of these waits for the first NOTIFY before it tests its own behaviour.
    alsoFails: [
      'SUBSCRIBE-REFRESH',
      'SUBSCRIBE-UNSUBSCRIBE',
      'SUBSCRIBE-TIMEOUT',
      'SUBSCRIBE-481-ENDS',
      'SUBSCRIBE-AUTH',
    ],
  },
  'no-notify-after-refresh': {
    guards: ['SUBSCRIBE-REFRESH'],
    message: /no NOTIFY reached alice within .*a NOTIFY follows every accepted refresh/,
    alsoFails: [],
  },
  'ignore-unsubscribe': {
    guards: ['SUBSCRIBE-UNSUBSCRIBE'],
    message: /NOTIFY has Subscription-State active.*expected to match \/\^terminated\//,
    alsoFails: [],
  },
  'no-timeout-notify': {
    guards: ['SUBSCRIBE-TIMEOUT'],
    message: /no NOTIFY of the subscription within .* after the subscription's expiry/,
    alsoFails: [],
  },
  'notify-after-481': {
    guards: ['SUBSCRIBE-481-ENDS'],
    message: /expected no NOTIFY .* after alice answered 481/,
    alsoFails: [],
  },
  'accept-unknown-event': {
    guards: ['SUBSCRIBE-UNKNOWN-EVENT'],
    message: /got 200 OK, expected 489 Bad Event/,
    alsoFails: [],
  },
  'bare-401-subscribe': {
    guards: ['SUBSCRIBE-AUTH'],
    message: /carries no WWW-Authenticate Digest challenge/,
    // Every SUBSCRIBE to the notifier is challenged, and a bare 401 cannot be answered.
    alsoFails: [
      'SUBSCRIBE-200-OK',
      'SUBSCRIBE-REFRESH',
      'SUBSCRIBE-UNSUBSCRIBE',
      'SUBSCRIBE-TIMEOUT',
      'SUBSCRIBE-481-ENDS',
    ],
  },
  'no-record-route-subscribe': {
    guards: ['SUBSCRIBE-THROUGH-PROXY'],
    message: /SUBSCRIBE reached bob without Record-Route/,
    alsoFails: [],
  },
  'no-record-route-refer': {
    guards: ['REFER-THROUGH-PROXY'],
    message: /REFER reached bob without Record-Route/,
    alsoFails: [],
  },
  'accept-message-locally': {
    guards: ['MESSAGE-THROUGH-PROXY', 'MESSAGE-UNKNOWN-USER'],
    message: /no MESSAGE reached bob|got 200 OK, expected 404 (Not Found )?or 480/,
    // Timer E/F is measured on a MESSAGE forwarded to a silent callee
    alsoFails: ['TIMER-E-F-NON-INVITE'],
  },
  'options-without-allow': { guards: ['OPTIONS-SUT'], message: /carries no Allow header/, alsoFails: [] },
  'forward-options-max-forwards-0': {
    guards: ['OPTIONS-MAX-FORWARDS-0'],
    message: /bob expected no OPTIONS .* but received OPTIONS/,
    alsoFails: [],
  },
  'b2bua-no-ack-callee-2xx': {
    role: 'b2bua',
    guards: ['B2BUA-ACKS-CALLEE-2XX'],
    message: /did not ACK bob's 200 OK/,
    alsoFails: [
      'INVITE-2XX-ACK',
      'DIALOG-REINVITE-HOLD',
      'DIALOG-GLARE-491',
      'B2BUA-BYE-FROM-CALLER',
      'B2BUA-BYE-FROM-CALLEE',
      'INVITE-BYE',
    ],
  },
  'b2bua-bye-not-forwarded': {
    role: 'b2bua',
    guards: ['B2BUA-BYE-FROM-CALLER', 'B2BUA-BYE-FROM-CALLEE'],
    message: /no BYE reached (bob|alice)/,
    alsoFails: ['INVITE-BYE'],
  },
  'b2bua-487-not-acked': {
    role: 'b2bua',
    guards: ['B2BUA-CANCEL'],
    message: /no ACK for bob's 487/,
    alsoFails: ['INVITE-NON2XX-ACK'],
  },
  'b2bua-cancel-not-forwarded': {
    role: 'b2bua',
    guards: ['B2BUA-CANCEL'],
    message: /sent no CANCEL to bob/,
    alsoFails: ['INVITE-CANCEL'],
  },
  'b2bua-no-bye-after-ack-timeout': {
    role: 'b2bua',
    guards: ['B2BUA-NO-ACK-BYE'],
    message: /no BYE reached (alice|bob) within/,
    alsoFails: [],
  },
  'leak-caller-via': {
    role: 'b2bua',
    guards: ['B2BUA-NEW-DIALOG'],
    message: /carries the caller's Via/,
    alsoFails: [],
  },
  'glare-answered-500': {
    role: 'b2bua',
    guards: ['DIALOG-GLARE-491'],
    message: /got 500 .*not 491 Request Pending/,
    alsoFails: [],
  },
  'b2bua-407-without-challenge': {
    role: 'b2bua',
    guards: ['B2BUA-AUTH-INVITE'],
    message: /carries no Proxy-Authenticate challenge/,
    alsoFails: ['B2BUA-AUTH-WRONG-PASSWORD'],
  },
  'b2bua-accepts-wrong-password': {
    role: 'b2bua',
    guards: ['B2BUA-AUTH-WRONG-PASSWORD'],
    message: /wrong password was connected/,
    alsoFails: [],
  },
  'b2bua-unknown-dialog-200': {
    role: 'b2bua',
    guards: ['DIALOG-UNKNOWN-481'],
    message: /got 200 OK, not 481/,
    alsoFails: [],
  },
  'b2bua-reinvite-answered-locally': {
    role: 'b2bua',
    guards: ['DIALOG-REINVITE-HOLD'],
    message: /the answer to alice's hold offer says a=sendrecv/,
    alsoFails: ['DIALOG-GLARE-491'],
  },
  'no-416-unsupported-scheme': {
    guards: ['PROXY-URI-SCHEME-416'],
    message: /got 404 Not Found, expected 416 Unsupported URI Scheme/,
    alsoFails: [],
  },
  'ignore-proxy-require': {
    guards: ['PROXY-REQUIRE-420'],
    message: /bob expected no INVITE .* but received INVITE/,
    alsoFails: [],
  },
  'keep-own-route': {
    guards: ['PROXY-ROUTE-SELF-REMOVED'],
    message: /INVITE has Route <sip:[^>]*;lr>, expected none/,
    alsoFails: [],
  },
  'no-record-route-invite': {
    guards: ['PROXY-RECORD-ROUTE'],
    message: /INVITE carries no Record-Route header/,
    // the outbound edge needs the ACK back through it to pick the callee's flow (RFC 5626 §5.3)
    alsoFails: ['OUTBOUND-FAILOVER-CONNLOSS'],
  },
  'b2bua-no-prack': {
    role: 'b2bua',
    guards: ['B2BUA-PRACK-CALLEE'],
    message: /no PRACK with RAck/,
    alsoFails: [],
  },
  'fork-first-binding-only': {
    guards: ['FORK-PARALLEL'],
    message: /no INVITE reached bob/,
    alsoFails: ['FORK-2XX-CANCELS-OTHERS', 'FORK-6XX-CANCELS-OTHERS', 'FORK-BEST-RESPONSE', 'FORK-CHALLENGES-MERGED'],
  },
  'no-cancel-other-branches': {
    guards: ['FORK-2XX-CANCELS-OTHERS', 'FORK-6XX-CANCELS-OTHERS'],
    message: /no CANCEL reached bob2/,
    alsoFails: [],
  },
  'worst-response-forwarded': {
    guards: ['FORK-BEST-RESPONSE'],
    message: /got 500 .*expected 486/,
    alsoFails: ['FORK-6XX-CANCELS-OTHERS'],
  },
  'challenges-not-merged': {
    guards: ['FORK-CHALLENGES-MERGED'],
    message: /has 1 WWW-Authenticate value.*expected 2/,
    alsoFails: [],
  },
  'timer-a-fixed-interval': {
    guards: ['TIMER-A-B-INVITE'],
    message: /INVITE to bob was retransmitted after .* copy \d+ is off/,
    alsoFails: [],
  },
  'timer-e-no-doubling': {
    guards: ['TIMER-E-F-NON-INVITE'],
    message: /MESSAGE to bob was retransmitted after .* copy \d+ is off/,
    alsoFails: [],
  },
  'no-100-trying': {
    guards: ['PROXY-100-TRYING'],
    message: /no response to INVITE \(expected 100\) within 300 ms/,
    alsoFails: [],
  },
};
