import {
  caller,
  type CheckContext,
  defineCheck,
  expectAtCaller,
  expectInviteOnFlows,
  regIdOfFlow,
  registerFlows,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'OUTBOUND-FAILOVER-CONNLOSS',
    suite: 'outbound',
    title: "When the flow the SUT prefers is lost, the INVITE arrives on the instance's other flow",
    rfc: ['RFC 5626 §5.3', 'RFC 5626 §7', 'RFC 5626 §4.4.1'],
    severity: 'blocker',
    roles: ['proxy'],
    requires: ['outbound'],
    transports: ['tcp', 'tls'],
    description:
      'Bob registers two flows. A first call shows which flow the SUT uses; Bob declines it. Then that flow’s TCP ' +
      'connection is reset. A second call must reach Bob on the other flow (§7: the proxy tries another flow of the ' +
      'same instance when one fails, §5.3: an edge never re-opens a flow); Alice gets the 200 and the ACK arrives on ' +
      'that other flow.',
    async run(ctx: CheckContext) {
      const ua = await registerFlows(ctx, 'bob', [1, 2]);
      const alice = await caller(ctx, 'alice');
      const first = await ctx.step('alice calls bob: which flow does the SUT use?', async () => {
        const call = await alice.invite(ua.agent.aor, { target: ctx.sutTarget() });
        const inv = await expectInviteOnFlows(ctx, ua, 'the first call (both flows up)');
        await inv.respond(486);
        await call.final({ within: '64*T1' }).catch(() => undefined);
        return inv.flow;
      });
      const preferred = regIdOfFlow(ua, first);
      ctx.assert(
        preferred !== undefined,
        `the first INVITE arrived on ${first.id}, which is neither registered flow (RFC 5626 §5.3: requests for an ob binding go on its flow)`,
      );
      const other = [...ua.flows.keys()].find((id) => id !== preferred)!;
      await ctx.step(`bob's flow for reg-id ${preferred} is reset (TCP RST)`, async () => {
        ua.flows.get(preferred)!.reset();
        await new Promise((r) => setTimeout(r, Math.max(50, ctx.timers.t1)));
      });
      const call = await ctx.step('alice calls bob again', () =>
        alice.invite(ua.agent.aor, { target: ctx.sutTarget() }),
      );
      const inv = await ctx.step(`bob receives the INVITE on the flow of reg-id ${other}`, async () => {
        const inv = await expectInviteOnFlows(ctx, ua, `after the flow of reg-id ${preferred} was lost`);
        ctx.assert(
          inv.flow.id === ua.flows.get(other)!.id,
          `the INVITE arrived on ${inv.flow.id}, not on the surviving flow ${ua.flows.get(other)!.id} (RFC 5626 §5.3, §7)`,
        );
        return inv;
      });
      await ctx.step('bob answers 200', () => inv.accept());
      await expectAtCaller(ctx, call, 200, 'RFC 5626 §7');
      await ctx.step('alice ACKs; the ACK reaches bob on the same surviving flow', async () => {
        await call.ack();
        const ack = await ua.agent
          .expect('ACK', { within: '64*T1' })
          .catch((e: Error) =>
            ctx.fail(`no ACK for the 200 reached bob: ${e.message} (RFC 3261 §13.2.2.4, RFC 5626 §5.3)`),
          );
        ctx.assert(
          ack.flow.id === inv.flow.id,
          `the ACK arrived on ${ack.flow.id}, not on the flow of the INVITE ${inv.flow.id} (RFC 5626 §5.3)`,
        );
      });
    },
  },
  __filename,
);
