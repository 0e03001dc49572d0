// TypeScript: compares header fields of two different messages (the caller's INVITE and the callee leg's), which the YAML steps cannot express yet.
import { type CheckContext, caller, defineCheck, inviteThroughSut, reachableParty } from 'sipconf/check';

export default defineCheck(
  {
    id: 'B2BUA-NEW-DIALOG',
    suite: 'b2bua',
    title: "The callee leg is a new dialog: its own Call-ID, From tag and Via; none of the caller's Via leaks through",
    rfc: ['RFC 3261 §8.1.1.4', 'RFC 3261 §8.1.1.7', 'RFC 3261 §12.1.2', 'RFC 7092 §3.1'],
    severity: 'critical',
    roles: ['b2bua'],
    parties: ['alice', 'bob'],
    description:
      'Alice calls Bob through the B2BUA. The INVITE Bob receives is a request the B2BUA originated as a UAC: a ' +
      'Call-ID and From tag of its own (§8.1.1.4, §8.1.1.3), and a single Via — its own (§8.1.1.7); the caller’s ' +
      'Via header fields and branch must not appear in it (a B2BUA is not a proxy, RFC 7092 §3.1).',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      await ctx.step("the callee leg's INVITE is the B2BUA's own request", async () => {
        const a = call.request;
        const b = inv.request;
        ctx.assert(
          b.callId !== a.callId,
          `the callee leg reuses the caller's Call-ID ${a.callId}: a B2BUA starts a new dialog (RFC 3261 §8.1.1.4, RFC 7092 §3.1)`,
        );
        ctx.assert(
          b.from.tag !== a.from.tag,
          `the callee leg reuses the caller's From tag ${a.from.tag} (RFC 3261 §8.1.1.3, §12.1.2)`,
        );
        const vias = b.getAll('via');
        const branch = a.topVia.branch ?? '';
        ctx.assert(
          !vias.some((v) => v.includes(branch)),
          `the callee leg's INVITE carries the caller's Via (branch ${branch}): ${vias.length} Via header field(s) ` +
            `where a B2BUA sends only its own (RFC 3261 §8.1.1.7, RFC 7092 §3.1)`,
        );
        ctx.assert(
          vias.length === 1,
          `the callee leg's INVITE has ${vias.length} Via header fields; the B2BUA originates it with one (RFC 3261 §8.1.1.7)`,
        );
      });
      await ctx.step('bob declines (486) to end the call', () => inv.respond(486));
      await call.final({ within: '64*T1' }).catch(() => undefined);
    },
  },
  __filename,
);
