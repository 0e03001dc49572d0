// TypeScript: the callee sends a reliable 183 and waits for the matching RAck, which the YAML steps cannot express yet.
import {
  type CheckContext,
  caller,
  defineCheck,
  expectAtCaller,
  inviteThroughSut,
  offers100rel,
  reachableParty,
  sendReliableProvisional,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'B2BUA-PRACK-CALLEE',
    suite: 'prack',
    title: "A B2BUA offering 100rel PRACKs the callee's reliable 183 (RAck matches), stopping its retransmissions",
    rfc: ['RFC 3262 §3', 'RFC 3262 §4', 'RFC 3262 §7.1', 'RFC 3262 §7.2'],
    severity: 'normal',
    roles: ['b2bua'],
    parties: ['alice', 'bob'],
    description:
      'Bob answers the callee leg’s INVITE with a reliable 183 (Require: 100rel, RSeq) when the B2BUA offered ' +
      '100rel (Supported or Require). As that leg’s UAC the B2BUA must send a PRACK in the early dialog with ' +
      '`RAck: <RSeq> <CSeq> INVITE` (§4, §7.2); Bob answers it 200 and stops retransmitting the 183 (§3). A B2BUA ' +
      'that does not offer 100rel gets an unreliable 183, and the check says so.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      if (!offers100rel(inv)) {
        ctx.note('the B2BUA does not offer 100rel on the callee leg: bob sends an unreliable 183 (RFC 3262 §3)');
        await inv.respond(183);
      } else {
        const rel = await ctx.step('bob sends a reliable 183 (Require: 100rel, RSeq)', () =>
          sendReliableProvisional(inv, 183),
        );
        const prack = await ctx.step('bob receives the PRACK with the matching RAck', () =>
          ctx.expectFromSut(
            rel.awaitPrack(ctx.ms('64*T1')),
            (detail) =>
              `no PRACK with RAck "${rel.rseq} ${inv.request.cseq.seq} INVITE" reached bob within 64·T1 = ${ctx.ms('64*T1')} ms; ` +
              `his reliable 183 was sent ${rel.sends.length} time(s); ${detail} (RFC 3262 §4, §3)`,
          ),
        );
        ctx.assert(
          prack.request.callId === inv.request.callId && prack.request.to.tag === rel.response.to.tag,
          `the PRACK (Call-ID ${prack.request.callId}, To tag ${prack.request.to.tag}) is not in the early dialog of the 183 (RFC 3262 §4, RFC 3261 §12.2.1.1)`,
        );
        ctx.assert(
          prack.request.cseq.seq > inv.request.cseq.seq,
          `the PRACK's CSeq ${prack.request.cseq.seq} is not above the INVITE's ${inv.request.cseq.seq} (RFC 3261 §12.2.1.1)`,
        );
      }
      await ctx.step('bob answers 200', () => inv.accept());
      await expectAtCaller(ctx, call, 200, 'RFC 3261 §13.3.1.4');
      await ctx.step('alice ACKs; the call ends', async () => {
        await call.ack();
        await (await call.bye()).final({ within: '64*T1' }).catch(() => undefined); // clean-up only
      });
    },
  },
  __filename,
);
