/** `ack`, `bye`, `cancel`: the caller's side of a call (RFC 3261 §13.2.2.4, §15.1.1, §9.1). */
import { Name, SavedRef, obj } from './schema-parts';
import { stepKind } from './step-kind';

export const ack = stepKind({
  schema: SavedRef(['call', 'outgoing'], 'the call (or INVITE sent in a dialog) whose 2xx is ACKed'),
  summary: 'ACK the 2xx of a saved call (and every retransmission of it, §13.2.2.4)',
  label: (b) => `ACK the 2xx of ${b}`,
  run: async (b, rt) => {
    const s = rt.get(b, 'call', 'outgoing');
    if (s.kind === 'call') {
      await s.call.ack();
      return;
    }
    // An INVITE sent in an existing dialog (a re-INVITE): ACK end to end with its CSeq number (§13.2.2.4).
    if (s.out.tx.method !== 'INVITE' || !s.dialog) throw rt.authorError(`"${b}" is not an INVITE in a dialog`);
    const a = s.dialog.createRequest('ACK', { cseq: s.out.request.cseq.seq });
    await s.out.agent.tx.sendStateless(a, s.dialog.nextHop());
  },
});

const callAs = obj({ call: SavedRef(['call']), as: Name });

export const bye = stepKind({
  schema: callAs,
  summary: "the caller's BYE in the dialog of a saved call; saves the request (expect its response)",
  saves: () => 'outgoing',
  label: (b) => `BYE on ${b.call}`,
  run: async (b, rt) => {
    const out = await rt.get(b.call, 'call').call.bye();
    rt.save(b.as, { kind: 'outgoing', out });
  },
});

export const cancel = stepKind({
  schema: callAs,
  summary: 'CANCEL a saved call that has no final response yet (§9.1); saves the CANCEL',
  saves: () => 'outgoing',
  label: (b) => `CANCEL ${b.call}`,
  run: async (b, rt) => {
    const out = await rt.get(b.call, 'call').call.cancel();
    rt.save(b.as, { kind: 'outgoing', out });
  },
});
