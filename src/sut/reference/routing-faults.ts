/** Faults of the proxy's request validation (§16.3), routing (§16.4, §16.6 step 4) and 100 Trying (§16.2, §17.2.1). */
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
  'no-100-trying': {
    description:
      'the proxy sends no 100 Trying for an INVITE it forwards, so the caller retransmits it (RFC 3261 §17.2.1, §16.2)',
    hooks: { proxy: { sendTrying: () => false } },
  },
} as const satisfies FaultTable;
