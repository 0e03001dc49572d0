// TypeScript, not YAML: "came through the SUT" (more Vias than the sender's one) has no YAML expectation: count is exact.
import { Notifier } from 'sipconf';
import {
  assertSubscribe2xx,
  caller,
  type CheckContext,
  defineCheck,
  expectNotify,
  reachableParty,
  sendSubscribe,
  subscribeAnswer,
  throughSut,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'SUBSCRIBE-THROUGH-PROXY',
    suite: 'subscribe',
    title:
      'SUBSCRIBE reaches a registered notifier (Record-Routed); NOTIFY, refresh and unsubscribe follow the route set',
    rfc: ['RFC 6665 §4.3', 'RFC 3261 §16.6', 'RFC 3261 §16.12', 'RFC 3261 §12.2'],
    severity: 'critical',
    roles: ['proxy'],
    parties: ['alice', 'bob'],
    requires: ['registrar'],
    description:
      "Bob registers and plays the notifier; alice subscribes to bob's AOR through the SUT. The SUBSCRIBE must reach " +
      "bob (with Record-Route when the profile claims record-route), the 200 come back, bob's NOTIFY reach alice in " +
      'the dialog (through the SUT when it record-routed), and the refresh and the unsubscribe reach bob likewise.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const rr = ctx.sut.capabilities.includes('record-route');
      const sub = await sendSubscribe(ctx, alice, bob.uri.toString(), { expires: 60 });
      const inc = await ctx.step('bob receives the SUBSCRIBE from the SUT', async () => {
        const got = await ctx.expectFromSut(
          bob.agent.expect('SUBSCRIBE', { within: '64*T1' }),
          (d) => `the SUT did not deliver the SUBSCRIBE to ${bob.uri}: ${d} (RFC 3261 §16.6)`,
        );
        if (rr)
          ctx.assert(
            got.request.recordRoutes.length > 0,
            'the SUBSCRIBE reached bob without Record-Route, though the profile claims record-route: the NOTIFYs of ' +
              'the subscription would bypass the proxy (RFC 3261 §16.6 step 4, RFC 6665 §4.3)',
          );
        return got;
      });
      const notifier = await ctx.step('bob accepts with 200 (Expires 60)', () => Notifier.accept(inc, { expires: 60 }));
      const res = await subscribeAnswer(ctx, sub);
      const granted = assertSubscribe2xx(ctx, res, 60);
      const out = await ctx.step('bob sends a NOTIFY (active) in the dialog', () =>
        notifier.notify({ state: 'active', body: 'open', contentType: 'text/plain' }),
      );
      const n = await expectNotify(ctx, sub, {
        states: ['active'],
        maxExpires: granted,
        after: "bob's NOTIFY",
        rfc: 'RFC 3261 §16.12, §12.2: in-dialog requests follow the route set',
      });
      if (rr) throughSut(ctx, n.request, "bob's NOTIFY at alice");
      await ctx.step("alice's 200 to the NOTIFY reaches bob", async () => {
        const r = await ctx.expectFromSut(out.final({ within: '64*T1' }), (d) => `${d} (RFC 3261 §16.7)`);
        ctx.assert(
          r.message.status === 200,
          `bob's NOTIFY got ${r.message.status}, expected alice's 200 (RFC 3261 §16.7)`,
        );
      });
      for (const [what, expires] of [
        ['refresh', 30],
        ['unsubscribe', 0],
      ] as const) {
        const sent = await ctx.step(`alice sends the ${what} (Expires ${expires}) in the dialog`, () =>
          sub.refresh(expires),
        );
        const got = await ctx.step(`bob receives the ${what}`, async () => {
          const r = await ctx.expectFromSut(
            notifier.expectRefresh({ within: '64*T1' }),
            (d) => `the ${what} did not reach bob: ${d} (RFC 3261 §16.12, RFC 6665 §4.1.2.2)`,
          );
          if (rr) throughSut(ctx, r.request, `the ${what} at bob`);
          return r;
        });
        await notifier.acceptRefresh(got);
        await ctx.step(`alice receives bob's 2xx to the ${what}`, async () => {
          const r = await ctx.expectFromSut(sent.final({ within: '64*T1' }), (d) => `${d} (RFC 3261 §16.7)`);
          ctx.assert(
            r.message.status === 200,
            `the ${what} got ${r.message.status}, expected bob's 200 (RFC 3261 §16.7)`,
          );
        });
      }
      sub.ended = true;
    },
  },
  __filename,
);
