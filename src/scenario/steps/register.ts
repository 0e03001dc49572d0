/** `register`: a REGISTER from an agent (RFC 3261 §10.2), with RFC 5626 reg-ids for outbound agents. */
import type { Received } from '../../transaction/transaction';
import type { SipResponse } from '../../sip/message';
import { OneOf, AgentRef, Duration, Headers, Name, Rfc, Status, Type, obj } from './schema-parts';
import { stepKind } from './step-kind';
import type { Runtime } from './runtime';

const schema = obj({
  agent: AgentRef,
  contact: Type.Optional(
    OneOf(['default', 'none', 'star'] as const, 'none: a query (§10.2.3); star: Contact * (§10.2.2)'),
  ),
  expires: Type.Optional(Type.Integer({ minimum: 0 })),
  'reg-id': Type.Optional(Type.Integer({ minimum: 1, description: 'the outbound registration (agent with outbound)' })),
  'new-flow': Type.Optional(Type.Boolean({ description: 'on a new connection (a re-registration, RFC 5626 §4.4.1)' })),
  auth: Type.Optional(
    Type.Boolean({ description: "answer a 401/407 challenge with the profile's credentials (default true)" }),
  ),
  headers: Type.Optional(Headers),
  expect: Type.Optional(Status),
  within: Type.Optional(Duration),
  as: Type.Optional(Name),
  rfc: Type.Optional(Rfc),
});
type Body = (typeof schema)['static'];

export const register = stepKind({
  schema,
  summary: 'a REGISTER from an agent; `expect:` a status; saves the final response',
  saves: () => 'response',
  label: (b) => {
    const what =
      b.contact === 'none'
        ? 'queries its bindings'
        : b.contact === 'star'
          ? 'removes all bindings (Contact: *)'
          : b.expires === 0
            ? 'removes its binding (Expires: 0)'
            : 'registers';
    const flow = b['reg-id'] ? ` reg-id ${b['reg-id']}${b['new-flow'] ? ' on a new flow' : ''}` : '';
    const exp = b.expires !== undefined && b.expires !== 0 ? ` for ${b.expires} s` : '';
    return `${b.agent} ${what}${flow}${exp}${b.expect ? `, expects ${b.expect}` : ''}`;
  },
  run: async (b, rt) => {
    const final = await send(b, rt);
    const want = b.expect;
    if (want !== undefined && final.message.status !== want)
      rt.fail(`REGISTER got ${final.message.status} ${final.message.reason}, expected ${want}`, b.rfc);
  },
});

async function send(b: Body, rt: Runtime): Promise<Received<SipResponse>> {
  const r = rt.registrant(b.agent);
  const contact = b.contact === 'none' ? null : b.contact === 'star' ? ('*' as const) : undefined;
  const regId = b['reg-id'] ?? [...r.flows.keys()][0]!;
  if (!r.flows.has(regId)) throw rt.authorError(`${b.agent} has no outbound reg-id ${regId} (see its agent entry)`);
  const within = b.within ?? '64*T1';
  const headers = Object.entries(b.headers ?? {});
  const why = (d: string) => `no final response to REGISTER: ${d}`;
  if (b.auth === false) {
    const rf = r.flows.get(regId)!;
    const out = await r.sendRegister(rf, await r.targetFor(rf, b['new-flow'] ?? false), {
      expires: b.expires,
      contact,
      headers,
    });
    const final = await rt.expecting(out.final({ within }), why, b.rfc);
    rt.save(b.as, { kind: 'response', res: final.message, req: out.request, flow: final.flow, at: final.at });
    return final;
  }
  const final = await rt.expecting(
    r.register(regId, { expires: b.expires, contact, headers, newFlow: b['new-flow'], within: rt.ms(within) }),
    why,
    b.rfc,
  );
  rt.ctx.checkAccountAccepted(r.agent, final.message.status);
  rt.save(b.as, {
    kind: 'response',
    res: final.message,
    req: r.flows.get(regId)!.lastRequest,
    flow: final.flow,
    at: final.at,
  });
  return final;
}
