/**
 * `assert`: expectations on a message saved earlier — its fields, body and flow (as in `expect`), plus what a
 * REGISTER response says about bindings (RFC 3261 §10.3 step 8, RFC 5626 §6) and Max-Forwards per hop (§16.6).
 */
import { SipRequest } from '../../sip/message';
import { boundRegIds, listed } from './contacts';
import { checkMessage } from './message-checks';
import { OneOf, AgentRef, MessageExpectationProps, MessageRef, Rfc, Type, obj } from './schema-parts';
import { stepKind } from './step-kind';
import { Runtime, SavedOf, messageOf } from './runtime';

const schema = obj({
  message: MessageRef,
  'same-as-request': Type.Optional(
    Type.Array(OneOf(['Call-ID', 'CSeq', 'From', 'Via'] as const), {
      description: 'a response repeats these fields of its request (§8.2.6.2)',
    }),
  ),
  'to-tag': Type.Optional(Type.Boolean()),
  'has-header': Type.Optional(Type.Array(Type.String())),
  'header-at-least': Type.Optional(
    Type.Record(Type.String(), Type.Integer(), { description: 'numeric header values ≥' }),
  ),
  contacts: Type.Optional(
    obj({
      count: Type.Optional(Type.Integer({ minimum: 0 })),
      includes: Type.Optional(
        Type.Array(AgentRef, { description: 'agents whose binding (whole Contact URI) is listed' }),
      ),
      excludes: Type.Optional(Type.Array(AgentRef)),
      'max-expires': Type.Optional(Type.Integer({ minimum: 0 })),
      'with-expires': Type.Optional(Type.Boolean({ description: 'every Contact carries an expires parameter' })),
      'reg-ids': Type.Optional(
        obj(
          { agent: AgentRef, equals: Type.Array(Type.Integer({ minimum: 1 })) },
          "the outbound agent's instance is bound with exactly these reg-ids",
        ),
      ),
    }),
  ),
  'max-forwards-after-hops': Type.Optional(
    Type.Integer({ minimum: 0, description: 'the sender put this Max-Forwards; each proxy hop (Via) takes one off' }),
  ),
  arrivals: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'how many times a received request arrived (1: never retransmitted after it was answered)',
    }),
  ),
  'if-sut-role': Type.Optional(
    Type.Array(OneOf(['proxy', 'registrar', 'b2bua', 'ua'] as const), {
      description: 'assert only when the SUT has one of these roles (e.g. a rule for proxies only)',
    }),
  ),
  'if-sut-capability': Type.Optional(
    Type.Array(Type.String(), { description: 'assert only when the SUT profile claims all these capabilities' }),
  ),
  ...MessageExpectationProps,
  rfc: Rfc,
});
type Body = (typeof schema)['static'];

export const assert = stepKind({
  schema,
  summary: 'expectations on a saved message: fields, body, flow, bindings, Max-Forwards per hop',
  label: (b) => `check ${b.message} (${b.rfc})`,
  run: async (b, rt) => {
    if (b['if-sut-role'] && !b['if-sut-role'].includes(rt.ctx.sut.role)) {
      rt.ctx.note(`step ${rt.step + 1} applies to SUT roles ${b['if-sut-role'].join('/')}: not asserted`);
      return;
    }
    const missing = (b['if-sut-capability'] ?? []).filter((c) => !rt.ctx.sut.capabilities.includes(c));
    if (missing.length) {
      rt.ctx.note(`step ${rt.step + 1} needs the capabilities ${missing.join(', ')}: not asserted`);
      return;
    }
    const s = rt.get(b.message, 'call', 'outgoing', 'incoming', 'response');
    const { msg, flow } = messageOf(s);
    const fail = (what: string): never => rt.fail(`${b.message}: ${what}`, b.rfc);
    const req = s.kind === 'response' ? s.req : undefined;
    for (const h of b['same-as-request'] ?? []) {
      if (!req) throw rt.authorError(`"${b.message}" has no request to compare ${h} with`);
      const a = h === 'Via' ? msg.getAll('via').join(',') : msg.get(h)?.trim();
      const e = h === 'Via' ? req.getAll('via').join(',') : req.get(h)?.trim();
      if (a !== e) fail(`${h} "${a}" differs from the request's "${e}"`);
    }
    if (b['to-tag'] === true && !msg.to.tag) fail('To has no tag');
    for (const h of b['has-header'] ?? []) if (!msg.has(h)) fail(`has no ${h} header`);
    for (const [h, min] of Object.entries(b['header-at-least'] ?? {})) {
      const v = Number(msg.get(h));
      if (!(v >= min)) fail(`${h} is ${msg.get(h) ?? 'absent'}, expected at least ${min}`);
    }
    if (b.contacts) checkContacts(b.contacts, msg.contacts, rt, fail);
    if (b['max-forwards-after-hops'] !== undefined && msg instanceof SipRequest) {
      const sent = b['max-forwards-after-hops'];
      const hops = msg.vias.length - 1;
      const agent = s.kind === 'incoming' ? s.inc.agent.name : 'the receiver';
      if (msg.maxForwards !== sent - hops)
        rt.fail(
          `${agent} received Max-Forwards ${msg.maxForwards ?? 'none'} after ${hops} proxy hop(s) (Vias); the sender put ${sent}, so it must be ${sent - hops}`,
          b.rfc,
        );
    }
    if (b.arrivals !== undefined && s.kind === 'incoming') {
      const n = arrivalsOf(rt, s);
      if (n !== b.arrivals)
        rt.fail(
          `${b.message} (${msg.cseq.method} CSeq ${msg.cseq.seq}) arrived ${n} time(s), expected ${b.arrivals}`,
          b.rfc,
        );
    }
    checkMessage(rt, b.message, { msg, flow, agent: s.kind === 'incoming' ? s.inc.agent.name : undefined }, b, b.rfc);
  },
});

function checkContacts(
  c: NonNullable<Body['contacts']>,
  contacts: ReturnType<typeof messageOf>['msg']['contacts'],
  rt: Runtime,
  fail: (w: string) => never,
) {
  const list = contacts.map((x) => x.toString()).join(', ') || 'none';
  if (c.count !== undefined && contacts.length !== c.count)
    fail(`lists ${contacts.length} Contact(s) (${list}), expected ${c.count}`);
  const binding = (name: string) => {
    const r = rt.registrant(name);
    return r.contact([...r.flows.keys()][0]!).uri;
  };
  for (const n of c.includes ?? [])
    if (!listed(contacts, binding(n))) fail(`does not list ${n}'s binding ${binding(n)}; Contacts: ${list}`);
  for (const n of c.excludes ?? [])
    if (listed(contacts, binding(n))) fail(`still lists ${n}'s binding; Contacts: ${list}`);
  for (const x of contacts) {
    const e = x.params.get('expires');
    if ((c['with-expires'] || c['max-expires'] !== undefined) && (e === undefined || e === null))
      fail(`Contact ${x} has no expires parameter`);
    if (c['max-expires'] !== undefined && Number(e) > c['max-expires'])
      fail(`Contact ${x} has expires=${e}, more than the ${c['max-expires']} s asked`);
  }
  if (c['reg-ids']) {
    const r = rt.registrant(c['reg-ids'].agent);
    if (!r.instance) throw rt.authorError(`${c['reg-ids'].agent} is not an outbound agent`);
    const ids = boundRegIds(contacts, r.instance);
    const want = [...c['reg-ids'].equals].sort();
    if (ids.join(',') !== want.join(','))
      fail(
        `lists reg-ids [${ids.join(', ')}] of instance <${r.instance}>, expected exactly [${want.join(', ')}]; Contacts: ${list}`,
      );
  }
}

/** Arrivals of a received request: retransmissions its transaction absorbed, and copies the registrar recorded. */
function arrivalsOf(rt: Runtime, s: SavedOf<'incoming'>): number {
  const rec = s.recorded;
  if (!rec) return s.inc.tx?.arrivals.length ?? 1;
  let copies = 0;
  for (const ua of rt.uas.values())
    copies += ua.registrar.registers.filter(
      (r) => r !== rec && r.request.callId === rec.request.callId && r.request.cseq.seq === rec.request.cseq.seq,
    ).length;
  return rec.arrivals.length + copies;
}
