// TypeScript, not YAML: the challenge header it requires depends on the status (401: WWW-Authenticate, 407: Proxy-Authenticate).
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
    id: 'SUBSCRIBE-AUTH',
    suite: 'subscribe',
    title:
      'A SUBSCRIBE without credentials is challenged (401/407 with a Digest challenge); the authorized one gets 200',
    rfc: ['RFC 6665 §4.2.1.3', 'RFC 3261 §22.2', 'RFC 3261 §22.3', 'RFC 3261 §20.44', 'RFC 3261 §20.27'],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    parties: ['alice'],
    requires: ['presence', 'auth'],
    description:
      'With users in the profile, a SUBSCRIBE without Authorization must get 401 with WWW-Authenticate (the notifier ' +
      'as UAS) or 407 with Proxy-Authenticate — never a bare 401 a phone cannot answer; the same subscription with ' +
      'credentials answering the challenge must then be accepted.',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const uri = presentity(ctx);
      const first = await subscribe(ctx, alice, uri, { expires: 60, authenticate: false });
      await ctx.step('the SUT challenges the SUBSCRIBE', async () => {
        const res = first.res;
        ctx.assert(
          res.status === 401 || res.status === 407,
          `a SUBSCRIBE without credentials got ${res.status} ${res.reason}, expected 401 or 407 (RFC 6665 §4.2.1.3, RFC 3261 §22.2)`,
        );
        const header = res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
        const challenges = res.getAll(header).filter((v) => /^\s*Digest\s/i.test(v));
        ctx.assert(
          challenges.length > 0,
          `the ${res.status} to SUBSCRIBE carries no ${header} Digest challenge (RFC 3261 §22.2, §20.${res.status === 401 ? 44 : 27}): a bare ${res.status} cannot be answered`,
        );
      });
      const { sub, res } = await subscribe(ctx, alice, uri, { expires: 60 });
      const granted = await ctx.step('the authorized SUBSCRIBE is accepted', async () => {
        return assertSubscribe2xx(ctx, res, 60, 'the authorized SUBSCRIBE');
      });
      await expectNotify(ctx, sub, {
        states: ['active', 'pending'],
        maxExpires: granted,
        after: 'the 2xx to the authorized SUBSCRIBE',
        rfc: 'RFC 6665 §4.2.2',
      });
    },
  },
  __filename,
);
