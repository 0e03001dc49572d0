// TypeScript, not YAML: how long it waits follows from the Expires the SUT granted, and YAML durations are fixed.
import {
  assertSubscribe2xx,
  caller,
  type CheckContext,
  defineCheck,
  expectNotify,
  presentity,
  subscribe,
} from 'sipconf/check';

const ASKED = 2;

export default defineCheck(
  {
    id: 'SUBSCRIBE-481-ENDS',
    suite: 'subscribe',
    title: 'A NOTIFY answered 481 ends the subscription: no NOTIFY follows, not even at expiry',
    rfc: ['RFC 6665 §4.2.2', 'RFC 6665 §4.1.3'],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    parties: ['alice'],
    requires: ['presence'],
    description:
      `Alice subscribes for ${ASKED} s and answers the first NOTIFY with 481 Subscription Does Not Exist. The SUT must ` +
      'remove the subscription: no further NOTIFY may arrive, not even the terminated one at expiry (notifiers that ' +
      'keep notifying a subscriber that said 481 flood phones and trunks).',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const { sub, res } = await subscribe(ctx, alice, presentity(ctx), { expires: ASKED });
      const granted = assertSubscribe2xx(ctx, res, ASKED);
      await expectNotify(ctx, sub, {
        states: ['active', 'pending'],
        maxExpires: granted,
        after: 'the 2xx to SUBSCRIBE',
        rfc: 'RFC 6665 §4.2.2',
        answer: 481,
      });
      sub.ended = true;
      // Past the expiry, with room for a notifier that sweeps expired subscriptions once a second.
      const quiet = granted * 1000 + Math.max(1000, ctx.ms('8*T1'));
      await ctx.step(`no NOTIFY of the subscription arrives for ${quiet} ms (past its expiry)`, () =>
        ctx.expectFromSut(
          sub.expectNoNotify(quiet),
          (d) => `${d} after alice answered 481: the notifier must remove the subscription (RFC 6665 §4.2.2)`,
        ),
      );
    },
  },
  __filename,
);
