/**
 * Faults of the reference SUT on the methods of RFC 3428 (MESSAGE), RFC 3515 (REFER), RFC 6665 (SUBSCRIBE) and
 * OPTIONS (RFC 3261 §11), applied through the node's request decisions (request-decisions.ts).
 */
import type { FaultTable } from './fault-definition';

export const METHOD_FAULTS = {
  'no-record-route-subscribe': {
    description:
      'the proxy claims record-route but forwards SUBSCRIBE without Record-Route (RFC 3261 §16.6 step 4, RFC 6665 §4.3)',
    hooks: { requests: { recordRoute: (rr, req) => (req.method === 'SUBSCRIBE' ? undefined : rr) } },
  },
  'no-record-route-refer': {
    description:
      'the proxy claims record-route but forwards REFER without Record-Route (RFC 3261 §16.6 step 4, RFC 3515 §2.4.4)',
    hooks: { requests: { recordRoute: (rr, req) => (req.method === 'REFER' ? undefined : rr) } },
  },
  'accept-message-locally': {
    description:
      'the proxy answers MESSAGE 200 itself and delivers nothing, for registered and unknown users alike (RFC 3428 §4, RFC 3261 §16.5)',
    hooks: { requests: { answerItself: (status, req) => (req.method === 'MESSAGE' ? 200 : status) } },
  },
  'options-without-allow': {
    description: "the SUT's 200 to OPTIONS addressed to it carries no Allow header (RFC 3261 §11.2)",
    hooks: { requests: { optionsHeaders: (headers) => headers.filter(([name]) => name !== 'Allow') } },
  },
  'forward-options-max-forwards-0': {
    description:
      'the proxy forwards an OPTIONS whose Max-Forwards is 0 instead of answering it (RFC 3261 §16.3 step 3)',
    hooks: { requests: { maxForwardsExhausted: (exhausted, req) => exhausted && req.method !== 'OPTIONS' } },
  },
} as const satisfies FaultTable;
