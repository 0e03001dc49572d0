/**
 * When the SUT is a user agent (role ua): the harness is its registrar / edge proxy (an agent declared with
 * `ua-registrar:`), so the steps wait for what the UA does on its own timers — REGISTERs and keep-alives — and make
 * it act (`dial`). Times can be measured from a saved message (`after:`), e.g. "the refresh within 20 s of the
 * first REGISTER" (RFC 3261 §10.2.4) or "the retry not before 15 s" (RFC 5626 §4.5).
 */
import { IncomingRequest } from '../../agent/sip-agent';
import { checkMessage } from './message-checks';
import {
  AgentRef,
  Duration,
  MessageExpectationProps,
  MessageRef,
  Name,
  OneOf,
  Rfc,
  SavedRef,
  Type,
  obj,
} from './schema-parts';
import { stepKind } from './step-kind';
import { Runtime, messageOf } from './runtime';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function uaOf(rt: Runtime, name: string) {
  const ua = rt.uas.get(name);
  if (!ua) throw rt.authorError(`"${name}" is not a ua-registrar agent`);
  return ua;
}

/** The start of a wait: the arrival of a saved message (`after:`), else now. */
function startOf(rt: Runtime, after: string | undefined): number {
  if (!after) return performance.now();
  const at = messageOf(rt.get(after, 'call', 'outgoing', 'incoming', 'response')).at;
  if (at === undefined) throw rt.authorError(`"${after}" has no arrival time (it is a message we sent)`);
  return at;
}

const registerSchema = obj({
  at: AgentRef,
  first: Type.Optional(
    Type.Boolean({ description: "the UA's first REGISTER (it arrived while the agent was set up)" }),
  ),
  within: Type.Optional(Duration),
  'not-before': Type.Optional(Duration),
  after: Type.Optional(MessageRef),
  situation: Type.Optional(Type.String()),
  ...MessageExpectationProps,
  as: Type.Optional(Name),
  rfc: Type.Optional(Rfc),
});

export const registerArrives = stepKind({
  schema: registerSchema,
  summary: "the UA's REGISTER arrives at the harness's registrar (`first`, or the next one) within / not before a time",
  saves: () => 'incoming',
  label: (b) =>
    b.first
      ? `the UA's first REGISTER at ${b.at}`
      : `the UA's next REGISTER at ${b.at}${b.within ? ` within ${b.within}` : ''}${b['not-before'] ? `, not before ${b['not-before']}` : ''}${b.after ? ` of ${b.after}` : ''}`,
  run: async (b, rt) => {
    const ua = uaOf(rt, b.at);
    const from = startOf(rt, b.after);
    let rec = ua.first;
    if (!b.first) {
      const bound = rt.ms(b.within ?? '64*T1');
      rec = await rt.expecting(
        ua.registrar.expectRegister({ within: Math.max(0, from + bound - performance.now()), what: 'a REGISTER' }),
        () =>
          `no REGISTER from the UA within ${seconds(bound)}${b.after ? ` of ${b.after}` : ''}${b.situation ? ` ${b.situation}` : ''}`,
        b.rfc,
      );
      const delay = rec.at - from;
      rt.ctx.note(`${b.as ?? 'the REGISTER'} came ${seconds(delay)} after ${b.after ?? 'the wait began'}`);
      if (b['not-before'] !== undefined && delay < rt.ms(b['not-before']))
        rt.fail(
          `the UA's REGISTER came ${seconds(delay)} after ${b.after ?? 'the wait began'}, before the ${seconds(rt.ms(b['not-before']))} it must wait${b.situation ? ` ${b.situation}` : ''}`,
          b.rfc,
        );
    }
    const inc = new IncomingRequest(ua.registrar.agent, rec.request, rec.flow, rec.at, undefined);
    checkMessage(rt, b.as ?? 'the REGISTER', { msg: rec.request, flow: rec.flow, agent: b.at }, b, b.rfc);
    rt.save(b.as, { kind: 'incoming', inc, recorded: rec });
  },
});

export const dial = stepKind({
  schema: obj({ at: AgentRef, user: Type.String({ description: 'a callee user name (made unique per check)' }) }),
  summary: "make the UA place a call (the profile's dial:) to a fresh user at the SUT's domain",
  label: (b) => `the harness makes the UA call ${b.user}`,
  run: async (b, rt) => {
    await uaOf(rt, b.at).dial(`sip:${rt.ctx.freshUser(b.user)}@${rt.ctx.sut.domain}`);
  },
});

export const flowEvent = stepKind({
  schema: obj({
    agent: AgentRef,
    event: OneOf(
      ['ping', 'pong', 'close'] as const,
      'ping: a keep-alive from the peer; close: the peer closed the flow',
    ),
    'flow-of': Type.Optional(MessageRef),
    within: Duration,
    after: Type.Optional(MessageRef),
    situation: Type.Optional(Type.String()),
    rfc: Type.Optional(Rfc),
  }),
  summary: 'a keep-alive (ping), pong or close arrives on an agent’s flow within a time',
  label: (b) =>
    `${b.agent} sees a ${b.event} on ${b['flow-of'] ? `the flow of ${b['flow-of']}` : 'a flow'} within ${b.within}`,
  run: async (b, rt) => {
    const flow = b['flow-of']
      ? messageOf(rt.get(b['flow-of'], 'call', 'outgoing', 'incoming', 'response')).flow
      : undefined;
    const from = startOf(rt, b.after);
    const bound = rt.ms(b.within);
    const what = b.event === 'ping' ? 'CRLF keep-alive' : b.event === 'pong' ? 'CRLF pong' : 'close';
    const ev = await rt.expecting(
      rt.agent(b.agent).expectFlowEvent(b.event, { flow, within: Math.max(0, from + bound - performance.now()) }),
      () =>
        `no ${what} on ${b['flow-of'] ? `the flow of ${b['flow-of']}` : 'any flow'} within ${seconds(bound)}${b.after ? ` of ${b.after}` : ''}${b.situation ? ` ${b.situation}` : ''}`,
      b.rfc,
    );
    rt.ctx.note(`${what} ${seconds(ev.at - from)} after ${b.after ?? 'the wait began'}`);
  },
});

export const resend2xx = stepKind({
  schema: SavedRef(['incoming'], 'a received INVITE our agent answered with a 2xx'),
  summary: 'our agent sends its 2xx to a received INVITE once more, as a UAS whose 2xx or ACK got lost (§13.3.1.4)',
  label: (b) => `send the 2xx to ${b} once more (a retransmission)`,
  run: async (b, rt) => {
    const inc = rt.get(b, 'incoming').inc;
    if (!inc.twoXx) throw rt.authorError(`"${b}" was not answered with a 2xx`);
    await inc.flow.send(inc.twoXx.response.toBuffer());
  },
});
