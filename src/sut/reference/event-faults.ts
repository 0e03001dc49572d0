/** Faults of the reference SUT's presence notifier (RFC 6665), applied through PresenceDecisions (presence.ts). */
import type { FaultTable } from './fault-definition';

export const EVENT_FAULTS = {
  'no-notify-after-subscribe': {
    description:
      'the notifier accepts a SUBSCRIBE with 200 but sends no NOTIFY with the current state (RFC 6665 §4.2.2)',
    hooks: { presence: { notifyOnAccept: () => false } },
  },
  'no-notify-after-refresh': {
    description: 'the notifier accepts a refreshing SUBSCRIBE with 200 but sends no NOTIFY after it (RFC 6665 §4.2.2)',
    hooks: { presence: { notifyOnRefresh: () => false } },
  },
  'ignore-unsubscribe': {
    description:
      'a SUBSCRIBE with Expires 0 gets 200 but the subscription stays active: no terminated NOTIFY (RFC 6665 §4.1.2.3)',
    hooks: { presence: { endOnUnsubscribe: () => false } },
  },
  'no-timeout-notify': {
    description:
      'a subscription that expires without refresh ends silently, with no NOTIFY terminated;reason=timeout (RFC 6665 §4.2.2)',
    hooks: { presence: { notifyOnExpiry: () => false } },
  },
  'notify-after-481': {
    description:
      'the notifier keeps a subscription whose NOTIFY was answered 481 and notifies it again (RFC 6665 §4.2.2)',
    hooks: { presence: { endOnNotifyFailure: (end, status) => end && status !== 481 } },
  },
  'accept-unknown-event': {
    description:
      'the notifier accepts a SUBSCRIBE for an event package it does not serve instead of 489 (RFC 6665 §4.2.1.1)',
    hooks: { presence: { acceptEvent: () => true } },
  },
  'bare-401-subscribe': {
    description:
      'the notifier answers a SUBSCRIBE without credentials 401 with no WWW-Authenticate challenge (RFC 3261 §22.2)',
    hooks: { presence: { challengeHeaders: () => [] } },
  },
} as const satisfies FaultTable;
