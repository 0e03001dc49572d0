import {
  caller,
  type CheckContext,
  defineCheck,
  expectAtCaller,
  inviteThroughSut,
  reachableParty,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'INVITE-CANCEL',
    suite: 'invite',
    title: 'CANCEL before the answer: the callee gets CANCEL, answers 200 and 487; the caller gets 487',
    rfc: ['RFC 3261 §9.1', 'RFC 3261 §9.2', 'RFC 3261 §16.10'],
    severity: 'critical',
    roles: ['proxy', 'b2bua'],
    parties: ['alice', 'bob'],
    description:
      'Bob rings (180); Alice cancels. The SUT answers Alice’s CANCEL with 200 and sends its own CANCEL to Bob ' +
      '(§16.10), matching the INVITE Bob received (same branch and CSeq number, §9.1). Bob answers the CANCEL 200 ' +
      'and the INVITE 487; the 487 reaches Alice.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      await ctx.step('bob rings (180)', () => inv.respond(180));
      await expectAtCaller(ctx, call, 180, 'RFC 3261 §16.7 step 5');
      const cancel = await ctx.step('alice sends CANCEL (§9.1)', () => call.cancel());
      await ctx.step('alice gets 200 for the CANCEL', async () => {
        const r = await cancel
          .final({ within: '64*T1' })
          .catch((e: Error) => ctx.fail(`no final response to CANCEL: ${e.message} (RFC 3261 §16.10)`));
        ctx.assert(r.message.status === 200, `CANCEL answered ${r.message.status}, expected 200 (RFC 3261 §16.10)`);
      });
      const c = await ctx.step('bob receives the CANCEL from the SUT', () =>
        bob.agent
          .expect('CANCEL', { within: '64*T1' })
          .catch((e: Error) => ctx.fail(`the SUT did not forward the CANCEL to bob: ${e.message} (RFC 3261 §16.10)`)),
      );
      await ctx.step('the CANCEL matches the INVITE bob received (§9.1)', async () => {
        ctx.assert(
          c.request.topVia.branch === inv.request.topVia.branch,
          `CANCEL branch ${c.request.topVia.branch} is not the INVITE's ${inv.request.topVia.branch} (RFC 3261 §9.1)`,
        );
        ctx.assert(
          c.request.cseq.seq === inv.request.cseq.seq,
          `CANCEL CSeq ${c.request.cseq.seq} is not the INVITE's ${inv.request.cseq.seq} (RFC 3261 §9.1)`,
        );
        ctx.assert(c.tx?.cancels === inv.tx, 'the CANCEL matched no pending INVITE transaction at bob (RFC 3261 §9.2)');
      });
      await ctx.step('bob answers 200 to the CANCEL and 487 to the INVITE (§9.2)', async () => {
        await c.respond(200);
        await inv.respond(487);
      });
      await expectAtCaller(ctx, call, 487, 'RFC 3261 §9.1, §16.10');
    },
  },
  __filename,
);
