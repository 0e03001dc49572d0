// TypeScript: needs "no ACK from the caller yet" while waiting for the B2BUA's own ACK, an ordering YAML cannot state yet.
import {
  type CheckContext,
  caller,
  defineCheck,
  expectAtCaller,
  inviteThroughSut,
  reachableParty,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'B2BUA-ACKS-CALLEE-2XX',
    suite: 'b2bua',
    title: "The B2BUA ACKs the callee's 2xx itself, on the callee leg, without waiting for the caller's ACK",
    rfc: ['RFC 3261 §13.2.2.4', 'RFC 3261 §13.3.1.4', 'RFC 3261 §17.1.1.3'],
    severity: 'blocker',
    roles: ['b2bua'],
    parties: ['alice', 'bob'],
    description:
      'Bob answers 200 OK. The B2BUA is the UAC of the callee leg, so it ACKs that 2xx itself (§13.2.2.4) — ' +
      'here before Alice has sent any ACK — with the callee leg’s Call-ID and the INVITE’s CSeq number, and Bob’s ' +
      '2xx retransmissions stop (§13.3.1.4).',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      await ctx.step('bob answers 200 OK and retransmits it until an ACK (§13.3.1.4)', () => inv.accept());
      await expectAtCaller(ctx, call, 200, 'RFC 3261 §13.3.1.4');
      const ack = await ctx.step('bob receives the B2BUA’s ACK while alice has not ACKed', () =>
        bob.agent
          .expect('ACK', { within: '64*T1' })
          .catch(
            ctx.unmet(
              () =>
                `the B2BUA did not ACK bob's 200 OK within 64·T1 = ${ctx.ms('64*T1')} ms; ${inv.twoXx?.retransmissions ?? 0} ` +
                `retransmissions of the 2xx went unanswered (RFC 3261 §13.2.2.4, §13.3.1.4)`,
            ),
          ),
      );
      ctx.assert(
        ack.request.callId === inv.request.callId && ack.request.cseq.seq === inv.request.cseq.seq,
        `the ACK (Call-ID ${ack.request.callId}, CSeq ${ack.request.cseq.seq}) is not for the callee leg's INVITE ` +
          `(Call-ID ${inv.request.callId}, CSeq ${inv.request.cseq.seq}) (RFC 3261 §13.2.2.4)`,
      );
      await ctx.step('alice ACKs; then the call ends', async () => {
        await call.ack();
        await (await call.bye()).final({ within: '64*T1' }).catch(() => undefined);
      });
    },
  },
  __filename,
);
