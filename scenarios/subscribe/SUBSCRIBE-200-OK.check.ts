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
    id: 'SUBSCRIBE-200-OK',
    suite: 'subscribe',
    title: 'SUBSCRIBE is accepted with 200, a To tag and Expires ≤ asked; a NOTIFY with the state follows',
    rfc: ['RFC 6665 §4.2.1.1', 'RFC 6665 §4.2.2', 'RFC 6665 §4.1.3', 'RFC 6665 §8.3.1'],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    parties: ['alice'],
    requires: ['presence'],
    description:
      'Alice subscribes to the presence of a presentity the SUT serves (Expires 60). The 2xx must be 200 (202 is ' +
      'accepted as legacy and noted), carry a To tag and an Expires no longer than asked; the SUT must then send a ' +
      'NOTIFY in the new dialog with Event: presence and Subscription-State active or pending with an expires no ' +
      'longer than granted, which alice answers 200.',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const { sub, res } = await subscribe(ctx, alice, presentity(ctx), { expires: 60 });
      const granted = await ctx.step('the 2xx has a To tag and Expires ≤ 60', async () =>
        assertSubscribe2xx(ctx, res, 60),
      );
      await expectNotify(ctx, sub, {
        states: ['active', 'pending'],
        maxExpires: granted,
        after: 'the 2xx to SUBSCRIBE',
        rfc: 'RFC 6665 §4.2.2',
      });
    },
  },
  __filename,
);
