import { caller, type CheckContext, defineCheck, registerFlows } from 'sipconf/check';

export default defineCheck(
  {
    id: 'OUTBOUND-ALL-FLOWS-FAILED',
    suite: 'outbound',
    title: 'When every flow of the instance failed, the caller gets a final error in bounded time',
    rfc: ['RFC 5626 §7', 'RFC 5626 §5.3', 'RFC 3261 §16.7'],
    severity: 'critical',
    roles: ['proxy'],
    requires: ['outbound'],
    transports: ['tcp', 'tls'],
    description:
      'Bob registers two flows, then both connections are reset. An INVITE to Bob must end with a final error response ' +
      '(480 Temporarily Unavailable, or 430 where the profile says so) within 64·T1 — never a hang that leaves the ' +
      'caller ringing forever.',
    async run(ctx: CheckContext) {
      const ua = await registerFlows(ctx, 'bob', [1, 2]);
      await ctx.step('both of bob’s flows are reset (TCP RST)', async () => {
        for (const f of ua.flows.values()) f.reset();
        await new Promise((r) => setTimeout(r, Math.max(50, ctx.timers.t1)));
      });
      const alice = await caller(ctx, 'alice');
      const want = ctx.sut.allFlowsFailedStatus ?? 480;
      const call = await ctx.step('alice calls bob', () => alice.invite(ua.agent.aor, { target: ctx.sutTarget() }));
      await ctx.step(`alice gets ${want} within 64·T1`, async () => {
        const started = performance.now();
        const res = await call
          .final({ within: '64*T1' })
          .catch((e: Error) =>
            ctx.fail(
              `no final response ${Math.round(performance.now() - started)} ms after the INVITE although every flow of the callee failed: ${e.message} (RFC 5626 §7, RFC 3261 §16.7)`,
            ),
          );
        ctx.assert(
          res.message.status === want,
          `the caller got ${res.message.status} ${res.message.reason}, expected ${want} when every flow failed (RFC 5626 §7; the profile's allFlowsFailedStatus)`,
        );
      });
      await ctx.step('nothing reached bob (no new connection was opened toward him)', () =>
        ua.agent
          .expectNoRequest('INVITE', 2 * ctx.timers.t1)
          .catch((e: Error) =>
            ctx.fail(`${e.message}: an edge must not open a new connection for an ob binding (RFC 5626 §5.3)`),
          ),
      );
    },
  },
  __filename,
);
