import { caller, type CheckContext, defineCheck, inviteThroughSut, reachableParty } from 'sipconf/check';

export default defineCheck(
  {
    id: 'INVITE-MAX-FORWARDS',
    suite: 'invite',
    title: 'Max-Forwards is decremented; 0 gives 483 Too Many Hops',
    rfc: ['RFC 3261 §16.3', 'RFC 3261 §16.6', 'RFC 3261 §20.22'],
    severity: 'critical',
    roles: ['proxy'],
    parties: ['alice', 'bob'],
    description:
      'Alice’s INVITE with Max-Forwards 70 must reach Bob with 70 minus the number of proxy hops it crossed (§16.6 step 3). An INVITE with Max-Forwards 0 must not be ' +
      'forwarded: the SUT answers 483 Too Many Hops (§16.3 step 3) — the loop protection of every SIP network.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob, { headers: [] });
      void call;
      await ctx.step('the INVITE bob received has Max-Forwards decremented from 70', async () => {
        const mf = inv.request.maxForwards;
        // Every proxy hop adds a Via and takes one off Max-Forwards: alice's 70 arrives as 70 − hops.
        const hops = inv.request.vias.length - 1;
        ctx.assert(
          mf === 70 - hops,
          `bob received Max-Forwards ${mf ?? 'none'} after ${hops} proxy hop(s) (Vias); alice sent 70, so it must be ${70 - hops} (RFC 3261 §16.6 step 3)`,
        );
        await inv.respond(486);
        await call.final({ within: '64*T1' });
      });
      const zero = await ctx.step('alice sends an INVITE with Max-Forwards: 0', async () => {
        const req = alice.createRequest('INVITE', bob.uri, { body: 'v=0\r\n', contentType: 'application/sdp' });
        req.set('Max-Forwards', 0);
        return alice.send(req, ctx.sutTarget());
      });
      await ctx.step('the SUT answers 483 and does not forward it', async () => {
        const res = await zero
          .final({ within: '64*T1' })
          .catch((e: Error) =>
            ctx.fail(`no final response to an INVITE with Max-Forwards 0: ${e.message} (RFC 3261 §16.3)`),
          );
        ctx.assert(
          res.message.status === 483,
          `INVITE with Max-Forwards 0 got ${res.message.status} ${res.message.reason}, expected 483 Too Many Hops (RFC 3261 §16.3 step 3)`,
        );
        await bob.agent
          .expectNoRequest('INVITE', 2 * ctx.timers.t1)
          .catch((e: Error) =>
            ctx.fail(`the SUT forwarded an INVITE with Max-Forwards 0: ${e.message} (RFC 3261 §16.3)`),
          );
      });
    },
  },
  __filename,
);
