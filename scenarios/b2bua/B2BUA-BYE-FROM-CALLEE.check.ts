// TypeScript: the callee hangs up in its own dialog and the caller's BYE arrives in another; YAML cannot name the legs yet.
import { type CheckContext, defineCheck, establishCall } from 'sipconf/check';

export default defineCheck(
  {
    id: 'B2BUA-BYE-FROM-CALLEE',
    suite: 'b2bua',
    title: "The callee's BYE is answered 200 and a BYE ends the caller leg too",
    rfc: ['RFC 3261 §15.1.1', 'RFC 3261 §15.1.2', 'RFC 7092 §3.1'],
    severity: 'critical',
    roles: ['b2bua'],
    parties: ['alice', 'bob'],
    description:
      'After the call is up Bob hangs up. The B2BUA answers his BYE and must end Alice’s leg: she receives a BYE ' +
      'in her dialog (her Call-ID, her From tag as the To tag) and answers 200.',
    async run(ctx: CheckContext) {
      const { alice, inv, aliceDialog } = await establishCall(ctx);
      const bye = await ctx.step('bob sends BYE', () => inv.sendInDialog('BYE'));
      const byeAtAlice = await ctx.step('alice receives a BYE for her dialog', () =>
        alice
          .expect('BYE', { within: '64*T1' })
          .catch(
            ctx.unmet(
              () =>
                `bob hung up but no BYE reached alice within 64·T1 = ${ctx.ms('64*T1')} ms: the caller leg stays up (RFC 3261 §15.1.1, RFC 7092 §3.1)`,
            ),
          ),
      );
      ctx.assert(
        byeAtAlice.request.callId === aliceDialog.callId && byeAtAlice.request.to.tag === aliceDialog.localTag,
        `the BYE alice received (Call-ID ${byeAtAlice.request.callId}, To tag ${byeAtAlice.request.to.tag}) is not in her dialog (${aliceDialog.id}) (RFC 3261 §12.2.1.1)`,
      );
      await ctx.step('alice answers 200', () => byeAtAlice.respond(200));
      const r = await ctx.step('bob gets the final response to his BYE', () =>
        bye.final({ within: '64*T1' }).catch(ctx.unmet((d) => `no final response to BYE: ${d} (RFC 3261 §15.1.2)`)),
      );
      ctx.assert(r.message.status === 200, `BYE answered ${r.message.status}, not 200 (RFC 3261 §15.1.2)`);
    },
  },
  __filename,
);
