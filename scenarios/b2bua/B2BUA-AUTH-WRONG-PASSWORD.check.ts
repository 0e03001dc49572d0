// TypeScript: answers the digest challenge with a deliberately wrong password, which YAML steps cannot express.
import { type CheckContext, defineCheck, reachableParty, retryInviteWithCredentials, SetupError } from 'sipconf/check';
import { NameAddr } from 'sipconf';

export default defineCheck(
  {
    id: 'B2BUA-AUTH-WRONG-PASSWORD',
    suite: 'b2bua',
    title: 'An INVITE answering the challenge with a wrong password is rejected and never reaches the callee',
    rfc: ['RFC 3261 §22.3', 'RFC 3261 §22.4', 'RFC 7616 §3.4.5'],
    severity: 'blocker',
    roles: ['b2bua'],
    requires: ['auth'],
    parties: ['alice', 'bob'],
    description:
      'Alice, a registered extension, answers the 407 with a digest computed from a wrong password. The PBX must ' +
      'not connect the call: it challenges again (407/401) or refuses (403), and Bob never sees the INVITE.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await reachableParty(ctx, 'alice');
      const first = await ctx.step('alice sends INVITE without credentials', () =>
        alice.agent.invite(bob.uri, { target: ctx.sutTarget(), contact: new NameAddr(alice.agent.contact().uri) }),
      );
      const challenge = (await first.final({ within: '64*T1' })).message;
      if (challenge.status !== 407 && challenge.status !== 401)
        throw new SetupError(
          `setup — the SUT does not challenge a local caller's INVITE (got ${challenge.status}); this check needs it to`,
        );
      const creds = ctx.credentialsFor(alice.agent);
      if (!creds) throw new SetupError('setup — the profile gives no credentials for the caller');
      const wrong = { username: creds.username, password: `${creds.password}-wrong` };
      const retry = await ctx.step('alice retries with a digest from a wrong password', async () => {
        const r = await retryInviteWithCredentials(first, challenge, wrong, ctx.sutTarget());
        if (!r) ctx.fail(`the ${challenge.status}'s challenge names no algorithm we can answer (RFC 7616 §3.3)`);
        return r.call;
      });
      await ctx.step('bob never receives the INVITE', () =>
        bob.agent
          .expectNoRequest('INVITE', '8*T1')
          .catch(ctx.unmet(() => 'an INVITE with a wrong password was connected to bob (RFC 3261 §22.3, §22.4)')),
      );
      const r = await ctx.step('alice gets 401, 403 or 407', () => retry.final({ within: '64*T1' }));
      ctx.assert(
        [401, 403, 407].includes(r.message.status),
        `an INVITE with a wrong password got ${r.message.status}, not 401/403/407 (RFC 3261 §22.3, §22.4)`,
      );
    },
  },
  __filename,
);
