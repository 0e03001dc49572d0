// TypeScript, not YAML: the wait follows from the Expires granted (and a 423's Min-Expires); YAML durations are fixed.
import {
  assertSubscribe2xx,
  caller,
  type CheckContext,
  defineCheck,
  expectNotify,
  presentity,
  subscribe,
} from 'sipconf/check';

/** A short subscription, so the check waits seconds, not minutes. */
const ASKED = 2;

export default defineCheck(
  {
    id: 'SUBSCRIBE-TIMEOUT',
    suite: 'subscribe',
    title: 'A subscription not refreshed ends at its expiry with a NOTIFY terminated;reason=timeout',
    rfc: ['RFC 6665 §4.2.2', 'RFC 6665 §4.1.3', 'RFC 6665 §4.2.1.1'],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    parties: ['alice'],
    requires: ['presence'],
    description:
      `Alice subscribes for ${ASKED} s and never refreshes. When the subscription expires the SUT must send a ` +
      'NOTIFY with Subscription-State: terminated;reason=timeout (the BLF that silently dies after one expiry is the ' +
      'classic defect). A 423 with a Min-Expires of at most 30 s is honoured by subscribing again for that long.',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const uri = presentity(ctx);
      let { sub, res } = await subscribe(ctx, alice, uri, { expires: ASKED });
      let asked = ASKED;
      const min = Number(res.get('min-expires'));
      if (res.status === 423 && min > 0 && min <= 30) {
        ctx.note(`the SUT asked for at least ${min} s (423 Min-Expires); subscribing for ${min} s`);
        asked = min;
        ({ sub, res } = await subscribe(ctx, alice, uri, { expires: asked }));
      }
      const granted = assertSubscribe2xx(ctx, res, asked);
      const grantedAt = Date.now();
      await expectNotify(ctx, sub, {
        states: ['active', 'pending'],
        maxExpires: granted,
        after: 'the 2xx to SUBSCRIBE',
        rfc: 'RFC 6665 §4.2.2',
      });
      // The SUT's own clock may run a little behind; 64·T1 past the expiry bounds the wait.
      const left = Math.max(0, granted * 1000 - (Date.now() - grantedAt));
      await expectNotify(ctx, sub, {
        states: ['terminated'],
        reason: 'timeout',
        within: left + ctx.ms('64*T1'),
        after: `the subscription's expiry (${granted} s granted)`,
        rfc: 'RFC 6665 §4.2.2, §4.1.3: an expired subscription ends with terminated;reason=timeout',
      });
    },
  },
  __filename,
);
