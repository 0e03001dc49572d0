/** Faults of the proxy's request validation (RFC 3261 §16.3) and routing (§16.4, §16.6 step 4), on RequestDecisions. */
import type { FaultTable } from './fault-definition';

export const ROUTING_FAULTS = {
  'no-416-unsupported-scheme': {
    description:
      'the proxy answers a Request-URI of a scheme it cannot route with 404 instead of 416 (RFC 3261 §16.3 step 2)',
    hooks: { requests: { rejectInvalid: (r) => (r?.status === 416 ? { status: 404 } : r) } },
  },
  'ignore-proxy-require': {
    description:
      'the proxy forwards a request whose Proxy-Require names an option it does not support instead of 420 (RFC 3261 §16.3 step 5)',
    hooks: { requests: { rejectInvalid: (r) => (r?.status === 420 ? undefined : r) } },
  },
  'keep-own-route': {
    description: 'the proxy forwards a request with the Route value naming itself still on top (RFC 3261 §16.4)',
    hooks: { requests: { ownRouteRemoved: () => false } },
  },
  'no-record-route-invite': {
    description:
      'the proxy claims record-route but forwards INVITE without Record-Route, so ACK and BYE bypass it (RFC 3261 §16.6 step 4)',
    hooks: { requests: { recordRoute: (rr, req) => (req.method === 'INVITE' ? undefined : rr) } },
  },
} as const satisfies FaultTable;
