// TypeScript: inspects the client transaction (the 407's ACK on the INVITE's branch, its retransmissions) and re-sends with credentials.
import {
  type CheckContext,
  defineCheck,
  expectAtCaller,
  reachableParty,
  retryInviteWithCredentials,
  SetupError,
} from 'sipconf/check';
import { NameAddr } from 'sipconf';

export default defineCheck(
  {
    id: 'B2BUA-AUTH-INVITE',
    suite: 'b2bua',
    title: "A local caller's INVITE is challenged 407; the retry with Proxy-Authorization and CSeq + 1 is connected",
    rfc: ['RFC 3261 §22.2', 'RFC 3261 §22.3', 'RFC 3261 §8.1.3.5', 'RFC 3261 §17.1.1.3', 'RFC 7616 §3.3'],
    severity: 'critical',
    roles: ['b2bua'],
    requires: ['auth'],
    parties: ['alice', 'bob'],
    description:
      'Alice, a registered extension, calls Bob. The PBX challenges the INVITE with 407 and a Proxy-Authenticate ' +
      '(§22.3, RFC 7616 SHA-256 or MD5); Alice’s transaction ACKs the 407 on the INVITE’s branch (§17.1.1.3), after ' +
      'which the PBX stops retransmitting it; the same INVITE with CSeq + 1 and a Proxy-Authorization (§8.1.3.5, §22.2) ' +
      'reaches Bob and the answered call is ACKed end to end.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await reachableParty(ctx, 'alice');
      const first = await ctx.step('alice sends INVITE without credentials', () =>
        alice.agent.invite(bob.uri, { target: ctx.sutTarget(), contact: new NameAddr(alice.agent.contact().uri) }),
      );
      const challenge = await ctx.step('alice gets 407 Proxy Authentication Required', async () => {
        const r = await first
          .final({ within: '64*T1' })
          .catch(ctx.unmet((d) => `no final response to the INVITE: ${d} (RFC 3261 §22.2)`));
        ctx.assert(
          r.message.status === 407 || r.message.status === 401,
          `a local caller's INVITE got ${r.message.status}, not a 407 challenge (RFC 3261 §22.2)`,
        );
        ctx.assert(
          r.message.getAll(r.message.status === 407 ? 'proxy-authenticate' : 'www-authenticate').length > 0,
          `the ${r.message.status} carries no ${r.message.status === 407 ? 'Proxy' : 'WWW'}-Authenticate challenge (RFC 3261 §22.3, §20.27)`,
        );
        return r.message;
      });
      await ctx.step('the ACK on the INVITE’s branch stops the 407 (§17.1.1.3, §17.2.1)', async () => {
        // Retransmissions may cross the ACK; after 4·T1 of settling none may follow in the next 8·T1 (Timer G
        // would send at least one there if the ACK had not stopped it).
        const count = () => first.tx.responses.filter((r) => r.message.status === challenge.status).length;
        await new Promise((r) => setTimeout(r, ctx.ms('4*T1')));
        const settled = count();
        await new Promise((r) => setTimeout(r, ctx.ms('8*T1')));
        ctx.assert(
          count() === settled || first.tx.flow.reliable,
          `the ${challenge.status} kept arriving (${count()} times) after alice's ACK on the INVITE's branch: the ACK did not stop its retransmission (RFC 3261 §17.2.1)`,
        );
      });
      const creds = ctx.credentialsFor(alice.agent);
      if (!creds) throw new SetupError('setup — the profile gives no credentials for the caller');
      const retry = await ctx.step(
        'alice retries with Proxy-Authorization and CSeq + 1 (§8.1.3.5, §22.2)',
        async () => {
          const r = await retryInviteWithCredentials(first, challenge, creds, ctx.sutTarget());
          if (!r) ctx.fail(`the ${challenge.status}'s challenge names no algorithm we can answer (RFC 7616 §3.3)`);
          ctx.note(`answered a ${r.algorithm} challenge`);
          return r.call;
        },
      );
      const inv = await ctx.step('bob receives the INVITE', () =>
        bob.agent.expect('INVITE', { within: '64*T1' }).catch(() => {
          const got = retry.responses.all().map((x) => x.message.status);
          if (got.includes(407) || got.includes(401) || got.includes(403))
            throw new SetupError(
              `setup — the SUT rejected ${creds.username}'s credentials (${got.join(', ')} to the retried INVITE)`,
            );
          return ctx.fail(
            `the authorized INVITE never reached bob (alice got ${got.join(', ') || 'nothing'}) (RFC 3261 §22.2)`,
          );
        }),
      );
      await ctx.step('bob answers 200', () => inv.accept());
      await expectAtCaller(ctx, retry, 200, 'RFC 3261 §22.2');
      await ctx.step('alice ACKs; the call ends with BYE', async () => {
        await retry.ack();
        await (await retry.bye()).final({ within: '64*T1' }).catch(() => undefined);
      });
    },
  },
  __filename,
);
