// TypeScript, not YAML: the YAML step vocabulary has no MESSAGE step yet (issue 14).
import { caller, type CheckContext, defineCheck, reachableParty } from 'sipconf/check';

const TEXT = 'sipconf: pager-mode message, RFC 3428';

export default defineCheck(
  {
    id: 'MESSAGE-THROUGH-PROXY',
    suite: 'message',
    title: "A MESSAGE reaches the registered user with its body, and the user's 200 comes back",
    rfc: ['RFC 3428 §4', 'RFC 3261 §16.5', 'RFC 3261 §16.6', 'RFC 3261 §16.7'],
    severity: 'critical',
    roles: ['proxy'],
    parties: ['alice', 'bob'],
    requires: ['registrar'],
    description:
      "Bob registers; alice sends a MESSAGE (text/plain, no Contact) to bob's AOR through the SUT. It must reach bob " +
      'with the same body and Content-Type, and the 200 bob sends must reach alice: a 2xx to MESSAGE comes from the ' +
      'recipient, never from a proxy that delivered nothing.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const out = await ctx.step('alice sends MESSAGE to bob through the SUT', () =>
        alice.send(alice.createRequest('MESSAGE', bob.uri, { body: TEXT, contentType: 'text/plain' }), ctx.sutTarget()),
      );
      const inc = await ctx.step('bob receives the MESSAGE with the same body', async () => {
        const got = await bob.agent.expect('MESSAGE', { within: '64*T1' }).catch((e: Error) => {
          const answered = out.responses.all().map((r) => `${r.message.status} ${r.message.reason}`);
          return ctx.fail(
            `the MESSAGE never reached bob (${bob.uri}): ${e.message}${answered.length ? `; alice got ${answered.join(', ')} — a 2xx for a message nobody received` : ''} (RFC 3428 §4, RFC 3261 §16.6)`,
          );
        });
        ctx.assert(
          got.request.body.toString('utf8') === TEXT,
          `bob's MESSAGE body is "${got.request.body.toString('utf8')}", alice sent "${TEXT}" (RFC 3261 §16.6: a proxy does not change the body)`,
        );
        ctx.assert(
          /^text\/plain/i.test(got.request.get('content-type') ?? ''),
          `bob's MESSAGE has Content-Type ${got.request.get('content-type') ?? '(none)'}, alice sent text/plain (RFC 3428 §4)`,
        );
        return got;
      });
      await inc.respond(200);
      await ctx.step("alice receives bob's 200", async () => {
        const r = await out.final({ within: '64*T1' }).catch((e: Error) => ctx.fail(`${e.message} (RFC 3261 §16.7)`));
        ctx.assert(
          r.message.status === 200,
          `alice got ${r.message.status} ${r.message.reason}, bob answered 200 (RFC 3261 §16.7)`,
        );
      });
    },
  },
  __filename,
);
