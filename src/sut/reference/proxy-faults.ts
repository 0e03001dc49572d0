/** Faults of the stateful proxy (RFC 3261 §16) and its client transactions (§17.1). */
import type { FaultTable } from './fault-definition';

export const PROXY_FAULTS = {
  'drop-2xx-ack': {
    description: 'the proxy drops the ACK for a 2xx instead of forwarding it end to end (RFC 3261 §16.11, §13.2.2.4)',
    hooks: { proxy: { forwardAck: () => undefined } },
  },
  'no-2xx-retransmit-forward': {
    description:
      'the proxy forwards only the first 2xx to INVITE, not its retransmissions (RFC 3261 §16.7, RFC 6026 §7.2)',
    hooks: { proxy: { forward2xx: (res, { first }) => (first ? res : undefined) } },
  },
  'no-non2xx-ack': {
    description:
      'the proxy never ACKs a non-2xx final response hop by hop, so the callee retransmits it (RFC 3261 §17.1.1.3)',
    hooks: { transaction: { ackForNon2xx: () => undefined } },
  },
  'ignore-cancel': {
    description: 'the proxy answers CANCEL with 200 but never cancels the pending branch (RFC 3261 §16.10)',
    hooks: { proxy: { cancelBranches: () => false } },
  },
  'no-max-forwards-decrement': {
    description: 'the proxy forwards requests without decrementing Max-Forwards (RFC 3261 §16.6 step 3)',
    hooks: { proxy: { maxForwards: (_next, received) => received } },
  },
  'timer-a-fixed-interval': {
    description:
      'the proxy retransmits a forwarded INVITE every T1 instead of doubling the interval (RFC 3261 §17.1.1.2, Timer A)',
    hooks: { transaction: { retransmitInterval: (iv, { timer, t1 }) => (timer === 'A' ? t1 : iv) } },
  },
  'timer-e-no-doubling': {
    description:
      'the proxy retransmits a forwarded non-INVITE request every T1 instead of doubling up to T2 (RFC 3261 §17.1.2.2, Timer E)',
    hooks: { transaction: { retransmitInterval: (iv, { timer, t1 }) => (timer === 'E' ? t1 : iv) } },
  },
} as const satisfies FaultTable;
