import { SipUri } from 'sipconf';
import {
  caller,
  type CheckContext,
  clock,
  defineCheck,
  expectAtCaller,
  ExpectationError,
  inviteThroughSut,
  reachableParty,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'INVITE-2XX-ACK',
    suite: 'invite',
    title: "The caller's ACK for a 2xx reaches the callee end to end",
    rfc: ['RFC 3261 §13.2.2.4', 'RFC 3261 §16.6', 'RFC 3261 §17.1.1.3', 'RFC 3261 §13.3.1.4'],
    severity: 'blocker',
    roles: ['proxy', 'b2bua'],
    parties: ['alice', 'bob'],
    description:
      'Alice calls Bob through the SUT; Bob answers 200 OK and retransmits it until an ACK arrives. The ACK must reach ' +
      'Bob with the Call-ID and CSeq number of the INVITE he received, method ACK, addressed to his Contact (the ' +
      'remote target) through the route set. Through a proxy the ACK is the caller’s, end to end, in a new transaction ' +
      '(new branch); a B2BUA must ACK Bob’s 2xx itself within the retransmission window (64·T1).',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      const answeredAt = Date.now();
      await ctx.step('bob answers 200 OK and retransmits it until the ACK (§13.3.1.4)', () => inv.accept());
      await expectAtCaller(ctx, call, 200, 'RFC 3261 §16.7');
      await ctx.step('alice ACKs the 200 (§13.2.2.4)', () => call.ack());
      const ack = await ctx.step('bob receives the ACK from the SUT', async () => {
        try {
          return await bob.agent.expect('ACK', { within: '64*T1' });
        } catch (e) {
          if (!(e instanceof ExpectationError)) throw e;
          const n = inv.twoXx?.retransmissions ?? 0;
          ctx.fail(
            `no ACK for the 200 OK sent at ${clock(answeredAt)} within ${ctx.ms('64*T1') / 1000} s (64·T1); ` +
              `${n} retransmissions sent (RFC 3261 §13.2.2.4, §16.6, §13.3.1.4)`,
          );
        }
      });
      await ctx.step('the ACK belongs to the dialog bob answered', async () => {
        const a = ack.request;
        const i = inv.request;
        ctx.assert(
          a.callId === i.callId,
          `ACK Call-ID ${a.callId} is not the INVITE's ${i.callId} (RFC 3261 §13.2.2.4)`,
        );
        ctx.assert(
          a.cseq.seq === i.cseq.seq,
          `ACK CSeq number ${a.cseq.seq} is not the INVITE's ${i.cseq.seq} (RFC 3261 §13.2.2.4)`,
        );
        ctx.assert(a.cseq.method === 'ACK', `ACK CSeq method is ${a.cseq.method}, not ACK (RFC 3261 §13.2.2.4)`);
        ctx.assert(
          a.to.tag === inv.dialog?.localTag,
          `ACK To tag ${a.to.tag} is not the tag bob put in his 200 (${inv.dialog?.localTag}) (RFC 3261 §12.2.1.1)`,
        );
        const target = bob.agent.contact(inv.flow.transport).uri as SipUri;
        const ruri = a.uri;
        ctx.assert(
          ruri.kind === 'sip' && ruri.user === target.user && ruri.port === target.port,
          `ACK Request-URI ${a.uriText} is not bob's Contact ${target} (the remote target, RFC 3261 §12.2.1.1, §16.6 step 6)`,
        );
        if (ctx.sut.role === 'proxy') {
          ctx.assert(
            a.topVia.branch !== i.topVia.branch,
            `the ACK for a 2xx reused the INVITE's branch ${i.topVia.branch}: it must be a new transaction (RFC 3261 §17.1.1.3)`,
          );
        }
      });
      await ctx.step("bob's 2xx retransmissions stop once the ACK arrived", async () => {
        const acked = await inv.twoXx!.acked;
        ctx.assert(acked, 'the ACK did not stop the 2xx retransmission (RFC 3261 §13.3.1.4)');
      });
    },
  },
  __filename,
);
