// TypeScript, not YAML: "came through the SUT" (more Vias than the sender's one) has no YAML expectation: count is exact.
import { Notifier, Subscription } from 'sipconf';
import { caller, type CheckContext, defineCheck, expectNotify, reachableParty, throughSut } from 'sipconf/check';

export default defineCheck(
  {
    id: 'REFER-THROUGH-PROXY',
    suite: 'refer',
    title: 'REFER reaches the registered user (Record-Routed); its 202 and the sipfrag NOTIFYs come back in the dialog',
    rfc: ['RFC 3515 §2.4.2', 'RFC 3515 §2.4.4', 'RFC 3515 §2.4.5', 'RFC 3261 §16.6', 'RFC 6665 §4.3'],
    severity: 'normal',
    roles: ['proxy'],
    parties: ['alice', 'bob'],
    requires: ['registrar'],
    description:
      "Bob registers; alice sends a REFER (Refer-To: carol) to bob's AOR through the SUT, outside any dialog. The " +
      "REFER must reach bob (with Record-Route when the profile claims record-route), bob's 202 reach alice, and " +
      'bob\'s NOTIFYs of the implicit refer subscription (message/sipfrag "100 Trying", then "200 OK" with ' +
      'Subscription-State terminated) reach alice in that dialog — through the SUT when it record-routed.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const rr = ctx.sut.capabilities.includes('record-route');
      const carol = `<sip:${ctx.freshUser('carol')}@${ctx.sut.domain}>`;
      const refer = await ctx.step(`alice sends REFER (Refer-To: ${carol}) to bob through the SUT`, () =>
        Subscription.refer(alice, bob.uri, { target: ctx.sutTarget(), referTo: carol }),
      );
      const inc = await ctx.step('bob receives the REFER from the SUT', async () => {
        const got = await ctx.expectFromSut(
          bob.agent.expect('REFER', { within: '64*T1' }),
          (d) => `the SUT did not deliver the REFER to ${bob.uri}: ${d} (RFC 3261 §16.6)`,
        );
        ctx.assert(
          got.request.get('refer-to') !== undefined,
          'the REFER reached bob without its Refer-To header (RFC 3515 §2.1, RFC 3261 §16.6)',
        );
        if (rr)
          ctx.assert(
            got.request.recordRoutes.length > 0,
            'the REFER reached bob without Record-Route, though the profile claims record-route: the NOTIFYs of the ' +
              'refer subscription would bypass the proxy (RFC 3261 §16.6 step 4, RFC 3515 §2.4.4)',
          );
        return got;
      });
      const notifier = await Notifier.accept(inc, { status: 202 });
      await ctx.step("alice receives bob's 202 Accepted", async () => {
        const r = await ctx.expectFromSut(refer.final({ within: '64*T1' }), (d) => `${d} (RFC 3261 §16.7)`);
        ctx.assert(
          r.message.status === 202,
          `the REFER got ${r.message.status} ${r.message.reason}, bob answered 202 (RFC 3515 §2.4.2, RFC 3261 §16.7)`,
        );
      });
      for (const [state, frag] of [
        ['active', 'SIP/2.0 100 Trying'],
        ['terminated', 'SIP/2.0 200 OK'],
      ] as const) {
        await notifier.notify({
          state,
          ...(state === 'terminated' ? { reason: 'noresource' } : {}),
          body: `${frag}\r\n`,
          contentType: 'message/sipfrag;version=2.0',
        });
        const n = await expectNotify(ctx, refer, {
          states: [state],
          after: `bob's NOTIFY (${frag})`,
          rfc: 'RFC 3515 §2.4.4, RFC 3261 §16.12: the refer NOTIFYs follow the dialog the REFER created',
        });
        ctx.assert(
          n.body.startsWith(frag),
          `the NOTIFY's sipfrag body is "${n.body.trim()}", bob sent "${frag}" (RFC 3515 §2.4.5)`,
        );
        if (rr) throughSut(ctx, n.request, "bob's NOTIFY at alice");
      }
      refer.ended = true;
    },
  },
  __filename,
);
