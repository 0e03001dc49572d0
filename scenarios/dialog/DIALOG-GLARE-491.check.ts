// TypeScript: two re-INVITEs must cross at the SUT in a set order and the retry waits the random §14.1 delay; YAML cannot time that.
import {
  type CheckContext,
  ackInDialog,
  defineCheck,
  establishCall,
  expectInDialog,
  glareRetryDelay,
  nextVersion,
  requestInDialog,
  withDirection,
} from 'sipconf/check';
import { defaultSdp } from 'sipconf';

export default defineCheck(
  {
    id: 'DIALOG-GLARE-491',
    suite: 'dialog',
    title:
      'A re-INVITE crossing the SUT’s own pending re-INVITE is answered 491; the retry after the §14.1 delay succeeds',
    rfc: ['RFC 3261 §14.2', 'RFC 3261 §14.1', 'RFC 3261 §21.4.27'],
    severity: 'critical',
    roles: ['b2bua'],
    // Glare on the callee leg needs a B2BUA that passes offers between legs (RFC 7092 §3.1, §3.2), not a media terminator.
    requires: ['offer-relay'],
    parties: ['alice', 'bob'],
    description:
      'Alice sends a re-INVITE, which the B2BUA maps onto Bob’s leg. Before Bob answers it, his own re-INVITE ' +
      'crosses it: on that leg the B2BUA is the UAC of a pending INVITE, so it must answer Bob 491 Request Pending ' +
      '(§14.2) — not 500 or anything else. Bob then answers Alice’s re-INVITE, and retries his own after the §14.1 ' +
      'back-off (0–2 s, he does not own the leg’s Call-ID); that retry is connected to Alice.',
    async run(ctx: CheckContext) {
      const { alice, bob, aliceDialog, bobDialog } = await establishCall(ctx);
      const a = await requestInDialog(ctx, alice, aliceDialog, 'INVITE', 'RFC 3261 §14.1', {
        body: withDirection(nextVersion(defaultSdp(alice)), 'sendonly'),
      });
      const reinvAtBob = await expectInDialog(ctx, bob.agent, 'INVITE', 'RFC 3261 §14.2');
      const b = await requestInDialog(ctx, bob.agent, bobDialog, 'INVITE', 'RFC 3261 §14.2', {
        body: withDirection(nextVersion(defaultSdp(bob.agent)), 'sendonly'),
      });
      const glare = await b.final();
      ctx.assert(
        glare.message.status === 491,
        `bob's re-INVITE crossing the SUT's pending re-INVITE on his leg got ${glare.message.status} ${glare.message.reason}, not 491 Request Pending (RFC 3261 §14.2)`,
      );
      await ctx.step('bob answers alice’s re-INVITE 200 (a=recvonly)', () =>
        reinvAtBob.accept({ body: withDirection(defaultSdp(bob.agent), 'recvonly') }),
      );
      const okA = await a.final();
      ctx.assert(okA.message.status === 200, `alice's re-INVITE got ${okA.message.status}, not 200 (RFC 3261 §14.2)`);
      await ctx.step('alice ACKs', () => ackInDialog(alice, aliceDialog, a.out));
      await bob.agent.expect('ACK', { within: '64*T1' }).catch(() => undefined);
      const delay = glareRetryDelay(false);
      await ctx.step(
        `bob waits ${delay} ms (§14.1: 0–2 s, not the Call-ID's owner)`,
        () => new Promise((r) => setTimeout(r, delay)),
      );
      const retry = await requestInDialog(ctx, bob.agent, bobDialog, 'INVITE', 'RFC 3261 §14.1', {
        body: withDirection(nextVersion(nextVersion(defaultSdp(bob.agent))), 'sendrecv'),
      });
      const atAlice = await expectInDialog(ctx, alice, 'INVITE', 'RFC 3261 §14.1');
      await ctx.step('alice answers 200', () => atAlice.accept({ body: defaultSdp(alice) }));
      const okB = await retry.final();
      ctx.assert(
        okB.message.status === 200,
        `bob's retried re-INVITE got ${okB.message.status}, not 200 (RFC 3261 §14.1)`,
      );
      await ctx.step('bob ACKs', () => ackInDialog(bob.agent, bobDialog, retry.out));
    },
  },
  __filename,
);
