/**
 * The scenario's agents, made before the first step: callers, callees reachable through the SUT (registered, or
 * addressed by Contact when the SUT has no registrar), second devices of one AOR, and RFC 5626 UA instances.
 */
import { MockEdgeProxy } from '../../agent/edge-proxy';
import { caller, reachableParty } from '../flows';
import { uaRegisters } from '../ua-sut';
import type { AgentDecl } from './index';
import type { Runtime } from './runtime';

export async function setupAgents(rt: Runtime, agents: Record<string, AgentDecl>): Promise<void> {
  const entries = Object.entries(agents);
  // Edge proxies first (outbound agents register through them); agents that share a user name after the one they copy.
  const order = (a: AgentDecl) => (a['edge-proxy'] ? 0 : a['same-user-as'] ? 2 : 1);
  entries.sort(([, a], [, b]) => order(a) - order(b));
  const ctx = rt.ctx;
  for (const [name, a] of entries) {
    const uaReg = a['ua-registrar'];
    if (uaReg) {
      const ua = await uaRegisters(ctx, {
        grantExpires: uaReg['grant-expires'],
        flowTimer: uaReg['flow-timer'],
        autoPong: uaReg['auto-pong'],
        firstAnswer: uaReg['first-answer'] ? { kind: 'status', status: uaReg['first-answer'] } : undefined,
      });
      rt.parties.set(name, { agent: ua.registrar.agent, uri: ua.registrar.agent.aor });
      rt.uas.set(name, ua);
      continue;
    }
    if (a['edge-proxy']) {
      const edge = await MockEdgeProxy.create(name, {
        registrar: ctx.registrarTarget('udp'),
        trace: ctx.trace,
        timers: ctx.timers,
      });
      ctx.onCleanup(() => edge.close());
      edge.failFirstRouted = a['edge-proxy']['fail-first-invite'] ?? false;
      rt.parties.set(name, { agent: edge.agent, uri: edge.agent.aor });
      rt.edges.set(name, edge);
      continue;
    }
    if (a.outbound) {
      // Outbound flows are connections: TCP, or TLS when the SUT offers no TCP (RFC 5626 §3.3).
      const stream = a.transport ?? (ctx.sut.transports.includes('tcp') ? 'tcp' : 'tls');
      const agent = await ctx.agent(name, { listen: [stream] });
      const via = a.outbound.via ? rt.edges.get(a.outbound.via) : undefined;
      const registrant = ctx.registrant(agent, {
        transport: stream,
        outbound: { regIds: a.outbound['reg-ids'] },
        expires: 600,
        registrar: via?.uaTarget(),
      });
      rt.parties.set(name, { agent, uri: agent.aor, registrant });
      ctx.onCleanup(async () => {
        for (const regId of registrant.flows.keys())
          await registrant
            .register(regId, { expires: 0, newFlow: registrant.flowOf(regId)?.closed ?? false, within: ctx.ms('4*T1') })
            .catch(() => undefined);
      });
      continue;
    }
    const transport = a.transport ?? ctx.defaultTransport();
    const user = a['same-user-as'] ? rt.party(a['same-user-as']).agent.user : undefined;
    if (a.register && !user) {
      rt.parties.set(name, await reachableParty(ctx, name, transport));
      continue;
    }
    const agent = user ? await ctx.agent(name, { listen: [transport], user }) : await caller(ctx, name, transport);
    rt.parties.set(name, { agent, uri: agent.aor });
    if (a.register) {
      // A second device of a registered AOR registers its own Contact (RFC 3261 §10.2.1.2: several bindings).
      const registrant = ctx.registrant(agent, { transport });
      await ctx.step(`${name} registers ${agent.aor} (a second device)`, async () => {
        const res = (await registrant.register(undefined, { within: ctx.ms('64*T1') })).message;
        ctx.checkAccountAccepted(agent, res.status);
        if (res.status !== 200)
          ctx.fail(`setting up: REGISTER for ${agent.aor} got ${res.status} ${res.reason}, not 200 (RFC 3261 §10.3)`);
      });
      ctx.onCleanup(async () => {
        await registrant.unregister().catch(() => undefined);
      });
      rt.parties.set(name, { agent, uri: agent.aor, registrant });
    }
  }
}
