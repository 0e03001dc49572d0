/**
 * `fault` and `ping`: an agent's flow (RFC 5626 §3.3) as the network sees it — reset (RST), closed (FIN), silenced
 * or dropping messages (src/transport's fault injection); and a CRLF keep-alive that must get its pong (§3.5.1).
 */
import type { Flow } from '../../transport/types';
import { OneOf, AgentRef, Duration, MessageRef, Rfc, Type, obj } from './schema-parts';
import { stepKind } from './step-kind';
import { Runtime, messageOf } from './runtime';

const flowRef = {
  agent: AgentRef,
  'reg-id': Type.Optional(Type.Integer({ minimum: 1, description: 'the flow of this outbound reg-id' })),
  'flow-of': Type.Optional(MessageRef),
};

function flowOf(b: { agent: string; 'reg-id'?: number; 'flow-of'?: string }, rt: Runtime): Flow {
  if (b['flow-of']) {
    const f = messageOf(rt.get(b['flow-of'], 'call', 'outgoing', 'incoming', 'response')).flow;
    if (!f) throw rt.authorError(`"${b['flow-of']}" has no flow`);
    return f;
  }
  const r = rt.registrant(b.agent);
  const f = r.flowOf(b['reg-id'] ?? [...r.flows.keys()][0]!);
  if (!f) throw rt.authorError(`${b.agent} has no registered flow${b['reg-id'] ? ` for reg-id ${b['reg-id']}` : ''}`);
  return f;
}

const where = (b: { agent: string; 'reg-id'?: number; 'flow-of'?: string }) =>
  b['flow-of'] ? `the flow of ${b['flow-of']}` : `${b.agent}'s flow${b['reg-id'] ? ` of reg-id ${b['reg-id']}` : ''}`;

export const fault = stepKind({
  schema: obj({
    ...flowRef,
    action: OneOf(['reset', 'fin', 'silence', 'unsilence', 'drop'] as const),
    count: Type.Optional(Type.Integer({ minimum: 1, description: 'drop: how many messages (default 1)' })),
    direction: Type.Optional(OneOf(['in', 'out', 'both'] as const)),
  }),
  summary: "break an agent's flow: reset (RST), fin (close), silence / unsilence, drop the next messages",
  label: (b) =>
    `${where(b)}: ${b.action === 'reset' ? 'reset (TCP RST)' : b.action === 'fin' ? 'closed (FIN)' : b.action}${b.action === 'drop' ? ` ${b.count ?? 1} message(s)` : ''}`,
  run: async (b, rt) => {
    const f = flowOf(b, rt);
    const ua = rt.uas.get(b.agent);
    // The harness's registrar forgets the binding of a flow it kills, as an edge whose connection died.
    if (ua && (b.action === 'reset' || b.action === 'fin'))
      await ua.registrar.killFlow(f, b.action === 'fin' ? 'close' : 'reset');
    else if (b.action === 'reset') f.reset();
    else if (b.action === 'fin') await f.close();
    else if (b.action === 'silence') f.silence(true);
    else if (b.action === 'unsilence') f.silence(false);
    else f.drop(b.count ?? 1, b.direction);
  },
});

export const ping = stepKind({
  schema: obj({ ...flowRef, within: Type.Optional(Duration), rfc: Type.Optional(Rfc) }),
  summary: 'a CRLF keep-alive (STUN on UDP) on a flow; the pong must come back within the bound',
  label: (b) => `${b.agent} pings ${where(b)} and waits for the pong`,
  run: async (b, rt) => {
    const f = flowOf(b, rt);
    const within = rt.ms(b.within ?? '10*T1');
    await f.ping();
    const pong = await rt.expecting(
      rt.agent(b.agent).expectFlowEvent('pong', { flow: f, within }),
      () => `no CRLF pong on flow ${f.id} within ${within} ms after a CRLF ping`,
      b.rfc,
    );
    if (pong.kind === 'pong') rt.ctx.note(`pong after ${pong.rttMs.toFixed(1)} ms`);
  },
});
