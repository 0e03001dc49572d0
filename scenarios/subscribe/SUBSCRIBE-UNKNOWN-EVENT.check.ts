// TypeScript, not YAML: YAML's request step answers no digest challenge, and the NOTIFY's expires is checked against the granted Expires.
import { parseAllowEvents } from 'sipconf';
import { caller, type CheckContext, defineCheck, presentity, subscribe } from 'sipconf/check';

const UNKNOWN = 'x-sipconf-no-such-package';

export default defineCheck(
  {
    id: 'SUBSCRIBE-UNKNOWN-EVENT',
    suite: 'subscribe',
    title: 'A SUBSCRIBE for an event package the SUT does not serve gets 489 Bad Event',
    rfc: ['RFC 6665 §4.2.1.1', 'RFC 6665 §8.3.2', 'RFC 6665 §4.4.4'],
    severity: 'normal',
    roles: ['proxy', 'registrar', 'b2bua'],
    parties: ['alice'],
    requires: ['presence'],
    description:
      `Alice subscribes with Event: ${UNKNOWN}. The notifier must reject it with 489 Bad Event and no subscription ` +
      'must be created; the Allow-Events the 489 should carry (the packages it serves) is reported.',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const { sub, res } = await subscribe(ctx, alice, presentity(ctx), { event: UNKNOWN, expires: 60 });
      await ctx.step('the SUT answers 489 Bad Event', async () => {
        ctx.assert(
          res.status === 489,
          `SUBSCRIBE with Event: ${UNKNOWN} got ${res.status} ${res.reason}, expected 489 Bad Event (RFC 6665 §4.2.1.1)`,
        );
        const allowed = res.getAll('allow-events');
        if (allowed.length) ctx.note(`489 lists Allow-Events: ${parseAllowEvents(allowed).join(', ')}`);
        else ctx.note('the 489 carries no Allow-Events header (RFC 6665 §4.4.4: SHOULD list the packages served)');
      });
      await ctx.step('no NOTIFY follows the 489', () =>
        ctx.expectFromSut(
          sub.expectNoNotify(4 * ctx.timers.t1),
          (d) => `${d}: a rejected SUBSCRIBE creates no subscription (RFC 6665 §4.2.1.1)`,
        ),
      );
    },
  },
  __filename,
);
