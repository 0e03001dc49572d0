// TypeScript: waits for the hop-by-hop ACK of the callee's 487 inside bob's server transaction, which YAML steps cannot observe.
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
    id: 'B2BUA-CANCEL',
    suite: 'b2bua',
    title: 'CANCEL from the caller cancels the callee leg: 487 on both legs, each ACKed hop by hop',
    rfc: ['RFC 3261 §9.1', 'RFC 3261 §9.2', 'RFC 3261 §17.1.1.3', 'RFC 3261 §17.2.1'],
    severity: 'critical',
    roles: ['b2bua'],
    parties: ['alice', 'bob'],
    description:
      'Bob rings; Alice cancels. The B2BUA answers her CANCEL 200 and cancels its own INVITE on the callee leg ' +
      '(§9.1: same branch and CSeq number as the INVITE Bob received). Bob answers 200 and 487; the B2BUA ACKs ' +
      'the 487 on the INVITE’s branch (§17.1.1.3), and Alice gets a 487 (which her transaction ACKs).',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      await ctx.step('bob rings (180)', () => inv.respond(180));
      await expectAtCaller(ctx, call, 180, 'RFC 3261 §13.3.1.1');
      const cancel = await ctx.step('alice sends CANCEL (§9.1)', () => call.cancel());
      const c = await ctx.step('bob receives a CANCEL for his INVITE', () =>
        bob.agent
          .expect('CANCEL', { within: '64*T1' })
          .catch(ctx.unmet(() => `alice cancelled but the B2BUA sent no CANCEL to bob within 64·T1 (RFC 3261 §9.1)`)),
      );
      ctx.assert(
        c.tx?.cancels === inv.tx,
        `the CANCEL (branch ${c.request.topVia.branch}) matches no INVITE transaction at bob (his INVITE's branch is ${inv.request.topVia.branch}) (RFC 3261 §9.1)`,
      );
      await ctx.step('bob answers 200 to the CANCEL and 487 to the INVITE (§9.2)', async () => {
        await c.respond(200);
        await inv.respond(487);
      });
      await ctx.step('the B2BUA ACKs the 487 on the INVITE’s branch (§17.1.1.3)', async () => {
        const deadline = performance.now() + ctx.ms('64*T1');
        while (inv.tx!.state === 'completed' && performance.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        ctx.assert(
          inv.tx!.state === 'confirmed' || (inv.tx!.state === 'terminated' && inv.flow.reliable),
          `no ACK for bob's 487 within 64·T1 = ${ctx.ms('64*T1')} ms: bob's server transaction is still retransmitting it (RFC 3261 §17.1.1.3, §17.2.1)`,
        );
      });
      const r = await ctx.step('alice gets 200 for her CANCEL', () =>
        cancel.final({ within: '64*T1' }).catch(ctx.unmet((d) => `no final response to CANCEL: ${d} (RFC 3261 §9.2)`)),
      );
      ctx.assert(r.message.status === 200, `CANCEL answered ${r.message.status}, expected 200 (RFC 3261 §9.2)`);
      await expectAtCaller(ctx, call, 487, 'RFC 3261 §9.1, §9.2');
    },
  },
  __filename,
);
