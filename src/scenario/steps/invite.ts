/** `invite`: a call from one agent to another through the SUT (RFC 3261 §13.2.1); saves the call. */
import { NameAddr } from '../../sip/fields';
import { OneOf, AgentRef, Headers, Name, Type, obj } from './schema-parts';
import { stepKind } from './step-kind';

const schema = obj({
  from: AgentRef,
  to: AgentRef,
  headers: Type.Optional(Headers),
  body: Type.Optional(Type.String({ description: 'the SDP offer (default: a minimal audio offer)' })),
  at: Type.Optional(
    OneOf(['sut', 'registrar'] as const, "where to send it: the SUT's address (default) or the profile's registrar"),
  ),
  as: Name,
});

export const invite = stepKind({
  schema,
  summary: 'an INVITE from an agent to another agent through the SUT; saves the call (ack, cancel, bye, expect)',
  saves: () => 'call',
  label: (b) => `${b.from} sends INVITE to ${b.to} through the SUT${b.at === 'registrar' ? ' (its registrar)' : ''}`,
  run: async (b, rt) => {
    const to = rt.party(b.to);
    const from = rt.agent(b.from);
    const transport = from.defaultTransport;
    const call = await from.invite(to.uri, {
      target: b.at === 'registrar' ? rt.ctx.registrarTarget(transport) : rt.ctx.sutTarget(transport),
      headers: Object.entries(b.headers ?? {}),
      body: b.body,
      contact: new NameAddr(from.contact(transport).uri),
    });
    rt.save(b.as, { kind: 'call', call });
  },
});
