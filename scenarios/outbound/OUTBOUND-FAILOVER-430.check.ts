import {
  caller,
  type CheckContext,
  defineCheck,
  expectAtCaller,
  expectInviteOnFlows,
  harnessEdge,
  registerFlows,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'OUTBOUND-FAILOVER-430',
    suite: 'outbound',
    title: 'A 430 Flow Failed from the edge makes the SUT send the INVITE to the other flow, and not pass the 430 on',
    rfc: ['RFC 5626 §7', 'RFC 5626 §11.5', 'RFC 5626 §5.3', 'RFC 3327 §5'],
    severity: 'blocker',
    roles: ['proxy', 'registrar'],
    requires: ['outbound', 'path'],
    transports: ['udp'],
    description:
      'The harness is the edge proxy in front of the SUT’s registrar (the profile’s "registrar" address). Bob registers ' +
      'two flows through it; the SUT stores the Path with the edge’s flow tokens. Alice calls Bob at the SUT; the edge ' +
      'answers the first INVITE routed to it with 430 Flow Failed. The SUT must try the instance’s other flow (§7), ' +
      'Bob gets the INVITE there, and Alice never sees the 430 (§11.5: 430 is for the authoritative proxy, not the caller).',
    async run(ctx: CheckContext) {
      ctx.assert(
        ctx.sut.registrar,
        'the SUT profile has no "registrar" address: this check needs the registrar behind the harness edge',
      );
      const edge = await harnessEdge(ctx);
      const ua = await registerFlows(ctx, 'bob', [1, 2], edge);
      await ctx.step('the SUT stored the Path: both 200s came back through the edge', async () => {
        ctx.assert(ua.responses.size === 2, 'not both flows registered (RFC 5626 §6)');
      });
      edge.failFirstRouted = true;
      const alice = await caller(ctx, 'alice');
      const call = await ctx.step('alice calls bob at the SUT registrar / authoritative proxy', () =>
        alice.invite(ua.agent.aor, { target: ctx.registrarTarget('udp') }),
      );
      const inv = await ctx.step(
        'the edge answers 430 to the first INVITE; bob receives the retry on the other flow',
        async () => {
          const inv = await expectInviteOnFlows(ctx, ua, 'after the edge answered 430 Flow Failed');
          const failed = edge.routed.find((r) => r.action === '430');
          ctx.assert(
            failed,
            'the INVITE never went through the edge (the SUT did not route it via the stored Path, RFC 3327 §5)',
          );
          ctx.assert(
            inv.flow.id !== failed.flowId,
            `the INVITE arrived on the flow the edge declared failed (${failed.flowId}) (RFC 5626 §7)`,
          );
          return inv;
        },
      );
      await ctx.step('bob answers 200', () => inv.accept());
      await expectAtCaller(ctx, call, 200, 'RFC 5626 §7');
      await ctx.step('alice never received the 430', async () => {
        const seen = call.responses.all().map((r) => r.message.status);
        ctx.assert(
          !seen.includes(430),
          `alice received a 430 Flow Failed (responses: ${seen.join(', ')}); the authoritative proxy must not forward it upstream (RFC 5626 §11.5)`,
        );
      });
      await ctx.step('alice ACKs; the ACK reaches bob through the edge', async () => {
        await call.ack();
        await ua.agent
          .expect('ACK', { within: '64*T1' })
          .catch((e: Error) => ctx.fail(`no ACK for the 200 reached bob: ${e.message} (RFC 3261 §13.2.2.4)`));
      });
    },
  },
  __filename,
);
