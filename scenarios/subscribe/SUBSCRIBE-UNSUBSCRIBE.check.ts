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
    id: 'SUBSCRIBE-UNSUBSCRIBE',
    suite: 'subscribe',
    title: 'SUBSCRIBE with Expires 0 ends the subscription: 2xx, then a NOTIFY terminated',
    rfc: ['RFC 6665 §4.1.2.3', 'RFC 6665 §4.2.2'],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    parties: ['alice'],
    requires: ['presence'],
    description:
      'After a subscription is set up, alice unsubscribes with a SUBSCRIBE in the dialog carrying Expires: 0. The SUT ' +
      'must answer 2xx and send a final NOTIFY with Subscription-State: terminated.',
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
      const un = await ctx.step('alice unsubscribes (SUBSCRIBE in the dialog, Expires: 0)', () => sub.unsubscribe());
      await ctx.step('the SUT answers the unsubscribe with a 2xx', async () => {
        const rx = await ctx.expectFromSut(
          un.final({ within: '64*T1' }),
          (d) => `no final response to SUBSCRIBE with Expires 0: ${d} (RFC 6665 §4.1.2.3)`,
        );
        ctx.assert(
          rx.message.status >= 200 && rx.message.status < 300,
          `SUBSCRIBE with Expires 0 got ${rx.message.status} ${rx.message.reason}, expected 200 (RFC 6665 §4.1.2.3)`,
        );
      });
      await expectNotify(ctx, sub, {
        states: ['terminated'],
        after: 'the 2xx to the unsubscribe',
        rfc: 'RFC 6665 §4.1.2.3: the notifier sends a final NOTIFY with Subscription-State terminated',
      });
    },
  },
  __filename,
);
