/** Faults of the reference SUT in the b2bua role (RFC 3261 §9, §13–§15, §22; RFC 3264 §8.4), as PBXs have them. */
import type { FaultTable } from './fault-definition';

export const B2BUA_FAULTS = {
  'b2bua-no-ack-callee-2xx': {
    description:
      "the B2BUA never ACKs the callee's 2xx on the callee leg, so the callee retransmits it (RFC 3261 §13.2.2.4)",
    hooks: { b2bua: { ackCallee2xx: () => undefined } },
  },
  'b2bua-bye-not-forwarded': {
    description:
      'the B2BUA answers a BYE with 200 but never sends BYE on the other leg, which stays up (RFC 3261 §15.1.1)',
    hooks: { b2bua: { forwardBye: () => false } },
  },
  'b2bua-487-not-acked': {
    description:
      "the B2BUA never ACKs the callee's 487 after a CANCEL, so the callee retransmits it (RFC 3261 §17.1.1.3)",
    hooks: { transaction: { ackForNon2xx: (ack, res) => (res.status === 487 ? undefined : ack) } },
  },
  'b2bua-cancel-not-forwarded': {
    description:
      "the B2BUA answers the caller's CANCEL with 200 but never cancels the callee leg (RFC 3261 §9.1, §9.2)",
    hooks: { b2bua: { cancelCalleeLeg: () => false } },
  },
  'b2bua-no-bye-after-ack-timeout': {
    description:
      'the B2BUA keeps a call whose 2xx was never ACKed instead of sending BYE on both legs (RFC 3261 §13.3.1.4)',
    hooks: { b2bua: { byeOnAckTimeout: () => false } },
  },
  'leak-caller-via': {
    description: "the B2BUA copies the caller's Via header fields into the callee leg's INVITE (RFC 3261 §8.1.1.7)",
    hooks: { b2bua: { calleeVias: (own, callers) => [...own, ...callers] } },
  },
  'glare-answered-500': {
    description:
      'the B2BUA answers a re-INVITE crossing its own pending re-INVITE with 500 instead of 491 (RFC 3261 §14.2)',
    hooks: { b2bua: { glareStatus: () => 500 } },
  },
  'b2bua-407-without-challenge': {
    description:
      "the B2BUA's 407 to a local caller's INVITE carries no Proxy-Authenticate challenge (RFC 3261 §22.3, §20.27)",
    hooks: { b2bua: { challenges: () => [] } },
  },
  'b2bua-accepts-wrong-password': {
    description: 'the B2BUA connects an INVITE whose digest was computed from a wrong password (RFC 3261 §22.3, §22.4)',
    hooks: { b2bua: { acceptCredentials: (ok, failure) => ok || failure === 'bad-response' } },
  },
  'b2bua-unknown-dialog-200': {
    description: 'the B2BUA answers a request in a dialog it does not know with 200 instead of 481 (RFC 3261 §12.2.2)',
    hooks: { b2bua: { unknownDialogStatus: () => 200 } },
  },
  'b2bua-reinvite-answered-locally': {
    description:
      'the B2BUA answers a re-INVITE itself with the old SDP, not an answer to the new offer (RFC 3264 §6.1, §8.4)',
    hooks: { b2bua: { relayReinvite: () => false } },
  },
  'b2bua-no-prack': {
    description:
      "the B2BUA never PRACKs the callee's reliable 183, which is retransmitted until the INVITE fails (RFC 3262 §4)",
    hooks: { b2bua: { prackCallee: () => undefined } },
  },
} as const satisfies FaultTable;
