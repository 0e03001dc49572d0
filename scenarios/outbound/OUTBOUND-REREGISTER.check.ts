import {
  boundRegIds,
  caller,
  type CheckContext,
  defineCheck,
  expectAtCaller,
  expectInviteOnFlows,
  registerFlows,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'OUTBOUND-REREGISTER',
    suite: 'outbound',
    title: 'A re-REGISTER of a failed flow on a new connection replaces the dead binding; the other flow stays bound',
    rfc: ['RFC 5626 §4.4.1', 'RFC 5626 §6', 'RFC 3261 §10.3'],
    severity: 'critical',
    roles: ['proxy'],
    requires: ['outbound'],
    transports: ['tcp', 'tls'],
    description:
      'Bob registers reg-id 1 and 2; the connection of reg-id 1 is reset. Bob re-registers reg-id 1 (same instance, ' +
      'same Call-ID, higher CSeq) on a new connection, as §4.4.1 says a UA does. The 200 lists exactly the two ' +
      'bindings; when reg-id 2’s flow is then lost too, a call reaches Bob on the new flow of reg-id 1.',
    async run(ctx: CheckContext) {
      const ua = await registerFlows(ctx, 'bob', [1, 2]);
      await ctx.step('the flow of reg-id 1 is reset', async () => {
        ua.flows.get(1)!.reset();
        await new Promise((r) => setTimeout(r, Math.max(50, ctx.timers.t1)));
      });
      const fresh = await ctx.step('bob re-registers reg-id 1 on a new TCP connection', async () => {
        const res = (await ua.registrant.register(1, { newFlow: true, within: ctx.ms('64*T1') })).message;
        ctx.assert(res.status === 200, `the re-REGISTER of reg-id 1 got ${res.status} ${res.reason} (RFC 5626 §4.4.1)`);
        const ids = boundRegIds(res, ua.registrant.instance!);
        ctx.assert(
          ids.join(',') === '1,2',
          `after re-registering reg-id 1 the 200 lists reg-ids [${ids.join(', ')}], expected exactly [1, 2]: the new flow replaces the dead binding and reg-id 2 stays (RFC 5626 §6)`,
        );
        return ua.registrant.flowOf(1)!;
      });
      await ctx.step('the flow of reg-id 2 is reset too', async () => {
        ua.flows.get(2)!.reset();
        await new Promise((r) => setTimeout(r, Math.max(50, ctx.timers.t1)));
      });
      const alice = await caller(ctx, 'alice');
      const call = await alice.invite(ua.agent.aor, { target: ctx.sutTarget() });
      const inv = await ctx.step('a call reaches bob on the new flow of reg-id 1', async () => {
        const inv = await expectInviteOnFlows(ctx, ua, 'after re-registering reg-id 1 on a new flow');
        ctx.assert(
          inv.flow.id === fresh.id,
          `the INVITE arrived on ${inv.flow.id}, not on the new flow ${fresh.id} (RFC 5626 §6)`,
        );
        return inv;
      });
      await inv.accept();
      await expectAtCaller(ctx, call, 200, 'RFC 5626 §7');
      await call.ack();
    },
  },
  __filename,
);
