// TypeScript: the BYE at the callee belongs to another dialog than the caller's; YAML cannot name the callee leg's dialog yet.
import { type CheckContext, defineCheck, establishCall } from 'sipconf/check';

export default defineCheck(
  {
    id: 'B2BUA-BYE-FROM-CALLER',
    suite: 'b2bua',
    title: "The caller's BYE is answered 200 and a BYE ends the callee leg too",
    rfc: ['RFC 3261 §15.1.1', 'RFC 3261 §15.1.2', 'RFC 7092 §3.1'],
    severity: 'critical',
    roles: ['b2bua'],
    parties: ['alice', 'bob'],
    description:
      'After the call is up Alice hangs up. The B2BUA answers her BYE (§15.1.2) and must end the other leg: Bob ' +
      'receives a BYE in his dialog (his Call-ID and tags, §15.1.1) and answers 200.',
    async run(ctx: CheckContext) {
      const { alice, bob, call, bobDialog } = await establishCall(ctx);
      const bye = await ctx.step('alice sends BYE', () => call.bye());
      const byeAtBob = await ctx.step('bob receives a BYE for his dialog', () =>
        bob.agent
          .expect('BYE', { within: '64*T1' })
          .catch(
            ctx.unmet(
              () =>
                `alice hung up but no BYE reached bob within 64·T1 = ${ctx.ms('64*T1')} ms: the callee leg stays up (RFC 3261 §15.1.1, RFC 7092 §3.1)`,
            ),
          ),
      );
      ctx.assert(
        byeAtBob.request.callId === bobDialog.callId && byeAtBob.request.to.tag === bobDialog.localTag,
        `the BYE bob received (Call-ID ${byeAtBob.request.callId}, To tag ${byeAtBob.request.to.tag}) is not in his dialog (${bobDialog.id}) (RFC 3261 §12.2.1.1)`,
      );
      await ctx.step('bob answers 200', () => byeAtBob.respond(200));
      const r = await ctx.step(`${alice.name} gets the final response to her BYE`, () =>
        bye.final({ within: '64*T1' }).catch(ctx.unmet((d) => `no final response to BYE: ${d} (RFC 3261 §15.1.2)`)),
      );
      ctx.assert(r.message.status === 200, `BYE answered ${r.message.status}, not 200 (RFC 3261 §15.1.2)`);
    },
  },
  __filename,
);
