// TypeScript, not YAML: YAML's request step answers no digest challenge, and the NOTIFY's expires is checked against the granted Expires.
import {
  assertSubscribe2xx,
  caller,
  type CheckContext,
  defineCheck,
  expectNotify,
  presentity,
  subscribe,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'SUBSCRIBE-REFRESH',
    suite: 'subscribe',
    title: 'A refreshing SUBSCRIBE in the dialog is accepted and a NOTIFY follows it',
    rfc: ['RFC 6665 §4.1.2.2', 'RFC 6665 §4.2.1.4', 'RFC 6665 §4.2.2'],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    parties: ['alice'],
    requires: ['presence'],
    description:
      'After a subscription is set up (Expires 60, first NOTIFY answered), alice refreshes it with a SUBSCRIBE in the ' +
      'same dialog (higher CSeq, Expires 30). The SUT must answer 2xx with an Expires no longer than 30 and send a ' +
      'NOTIFY right after it with Subscription-State active or pending and an expires within the new duration.',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const { sub, res } = await subscribe(ctx, alice, presentity(ctx), { expires: 60 });
      const granted = assertSubscribe2xx(ctx, res, 60);
      await expectNotify(ctx, sub, {
        states: ['active', 'pending'],
        maxExpires: granted,
        after: 'the 2xx to SUBSCRIBE',
        rfc: 'RFC 6665 §4.2.2',
      });
      const refresh = await ctx.step('alice refreshes the subscription in the dialog with Expires 30', () =>
        sub.refresh(30),
      );
      const again = await ctx.step('the SUT answers the refresh with a 2xx and Expires ≤ 30', async () => {
        const rx = await ctx.expectFromSut(
          refresh.final({ within: '64*T1' }),
          (d) => `no final response to the refreshing SUBSCRIBE: ${d} (RFC 6665 §4.1.2.2)`,
        );
        return assertSubscribe2xx(ctx, rx.message, 30, 'the refreshing SUBSCRIBE');
      });
      await expectNotify(ctx, sub, {
        states: ['active', 'pending'],
        maxExpires: again,
        after: 'the 2xx to the refresh',
        rfc: 'RFC 6665 §4.2.2: a NOTIFY follows every accepted refresh',
      });
    },
  },
  __filename,
);
