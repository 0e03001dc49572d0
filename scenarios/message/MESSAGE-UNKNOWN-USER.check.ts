// TypeScript, not YAML: the YAML step vocabulary has no MESSAGE step yet (issue 14).
import { caller, type CheckContext, defineCheck } from 'sipconf/check';

export default defineCheck(
  {
    id: 'MESSAGE-UNKNOWN-USER',
    suite: 'message',
    title: 'A MESSAGE to an AOR with no binding gets 404 or 480, never a 2xx',
    rfc: ['RFC 3261 §16.5', 'RFC 3428 §4', 'RFC 3261 §21.4.5', 'RFC 3261 §21.4.18'],
    severity: 'normal',
    roles: ['proxy'],
    parties: ['alice'],
    requires: ['registrar'],
    description:
      'Alice sends a MESSAGE to an address of record of the domain that never registered. The SUT must answer 404 Not ' +
      'Found or 480 Temporarily Unavailable: a 200 would tell alice a message was delivered that nobody received.',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const nobody = `sip:${ctx.freshUser('nobody')}@${ctx.sut.domain}`;
      const out = await ctx.step(`alice sends MESSAGE to ${nobody}`, () =>
        alice.send(
          alice.createRequest('MESSAGE', nobody, { body: 'anyone?', contentType: 'text/plain' }),
          ctx.sutTarget(),
        ),
      );
      await ctx.step('the SUT answers 404 or 480', async () => {
        const r = await out
          .final({ within: '64*T1' })
          .catch((e: Error) =>
            ctx.fail(`no final response to a MESSAGE for an unknown user: ${e.message} (RFC 3261 §16.5)`),
          );
        ctx.assert(
          r.message.status === 404 || r.message.status === 480,
          `a MESSAGE to ${nobody}, which has no binding, got ${r.message.status} ${r.message.reason}, expected 404 or 480 (RFC 3261 §16.5)`,
        );
      });
    },
  },
  __filename,
);
