// TypeScript, not YAML: the YAML step vocabulary cannot set Max-Forwards on an OPTIONS yet (issue 14).
import { caller, type CheckContext, defineCheck, reachableParty } from 'sipconf/check';

export default defineCheck(
  {
    id: 'OPTIONS-MAX-FORWARDS-0',
    suite: 'options',
    title: 'OPTIONS with Max-Forwards 0 is not forwarded: the proxy answers 483 (or 200 itself)',
    rfc: ['RFC 3261 §16.3', 'RFC 3261 §11', 'RFC 3261 §20.22'],
    severity: 'normal',
    roles: ['proxy'],
    parties: ['alice', 'bob'],
    requires: ['registrar'],
    description:
      "Bob registers; alice sends OPTIONS with Max-Forwards: 0 to bob's AOR. The proxy must not forward it (bob " +
      'receives nothing); RFC 3261 §16.3 step 3 lets it answer an OPTIONS itself (2xx) or, like any other request, 483.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const out = await ctx.step('alice sends OPTIONS to bob with Max-Forwards: 0', async () => {
        const req = alice.createRequest('OPTIONS', bob.uri);
        req.set('Max-Forwards', 0);
        return alice.send(req, ctx.sutTarget());
      });
      // Settled at once into a value, so an early arrival is never an unhandled rejection.
      const forwarded = bob.agent.expectNoRequest('OPTIONS', '4*T1').then(
        () => undefined,
        (e: Error) => e,
      );
      await ctx.step('bob receives no OPTIONS', async () => {
        const e = await forwarded;
        if (e) ctx.fail(`the SUT forwarded an OPTIONS with Max-Forwards 0: ${e.message} (RFC 3261 §16.3 step 3)`);
      });
      await ctx.step('the SUT answers 483 or 2xx itself', async () => {
        const r = await out
          .final({ within: '64*T1' })
          .catch((e: Error) =>
            ctx.fail(`no final response to OPTIONS with Max-Forwards 0: ${e.message} (RFC 3261 §16.3)`),
          );
        const s = r.message.status;
        ctx.assert(
          s === 483 || (s >= 200 && s < 300),
          `OPTIONS with Max-Forwards 0 got ${s} ${r.message.reason}, expected 483 Too Many Hops or the proxy's own 2xx (RFC 3261 §16.3 step 3)`,
        );
      });
    },
  },
  __filename,
);
