/**
 * `expect`: what the SUT must send. Either a request arriving at an agent (or at any of several agents), or a
 * response to a request an agent sent — within a bound, not before a time, and with expectations on its fields,
 * body and flow. An ACK `for:` a received INVITE is matched to that INVITE's final response (RFC 3261 §17.1.1.3
 * for a non-2xx, where the ACK belongs to the INVITE's transaction; §13.2.2.4 for a 2xx, end to end).
 */
import { IncomingRequest, OutgoingRequest } from '../../agent/sip-agent';
import { DigestClient, selectChallenge } from '../../sip/digest';
import { REASON_PHRASES, type SipResponse } from '../../sip/message';
import { Dialog } from '../../agent/dialog';
import { clock } from '../flows';
import { checkMessage } from './message-checks';
import {
  AgentRef,
  Duration,
  MessageExpectationProps,
  Method,
  Name,
  OneOf,
  Rfc,
  SavedRef,
  Status,
  Type,
  obj,
} from './schema-parts';
import { stepKind } from './step-kind';
import { Runtime, SavedOf } from './runtime';
import { createsDialog } from './send-common';

const schema = obj({
  agent: Type.Optional(Type.Union([AgentRef, Type.Array(AgentRef, { minItems: 1, description: 'any of these' })])),
  request: Type.Optional(Method),
  for: Type.Optional(SavedRef(['incoming'], 'ACK: the received INVITE whose final response it acknowledges')),
  'in-dialog-of': Type.Optional(SavedRef(['call', 'outgoing', 'incoming'], 'only a request with this Call-ID')),
  response: Type.Optional(SavedRef(['call', 'outgoing'], 'a saved call or request whose response is awaited')),
  status: Type.Optional(
    Type.Union([
      Status,
      Type.Array(Status, { minItems: 1 }),
      OneOf(['all-flows-failed'] as const, "the profile's status for a callee whose every flow failed (default 480)"),
    ]),
  ),
  situation: Type.Optional(
    Type.String({ description: 'what has happened, for the failure message: "although every flow of bob failed"' }),
  ),
  within: Type.Optional(Duration),
  'not-before': Type.Optional(Duration),
  ...MessageExpectationProps,
  as: Type.Optional(Name),
  rfc: Type.Optional(Rfc),
});
type Body = (typeof schema)['static'];

export const expect = stepKind({
  schema,
  summary: 'a request arriving at an agent (or any of several), or the response to a saved request',
  saves: (b) => (b.request !== undefined ? 'incoming' : 'response'),
  validate: (b) => {
    const asRequest = b.agent !== undefined && b.request !== undefined;
    if (asRequest === (b.response !== undefined)) return 'give either agent + request, or response';
    if (b.for !== undefined && b.request !== 'ACK') return 'for: names the INVITE an ACK acknowledges (request: ACK)';
    if (b.status !== undefined && b.response === undefined) return 'status: belongs to an expected response';
    return undefined;
  },
  label: (b) => {
    if (b.request) return `${[b.agent].flat().join(' or ')} receives ${b.request}${b.for ? ` for ${b.for}` : ''}`;
    const st = Array.isArray(b.status)
      ? b.status.join(' or ')
      : b.status === 'all-flows-failed'
        ? "the profile's all-flows-failed status"
        : (b.status ?? 'a final response');
    return `${b.response} gets ${st}`;
  },
  run: async (b, rt) => {
    const started = performance.now();
    if (b.request) await expectRequest(b, rt, started);
    else await expectResponse(b, rt, started);
  },
});

function notBefore(b: Body, rt: Runtime, started: number, at: number, what: string): void {
  if (b['not-before'] === undefined) return;
  const min = rt.ms(b['not-before']);
  if (at - started < min)
    rt.fail(
      `${what} arrived ${Math.round(at - started)} ms into the wait, before the ${min} ms (${b['not-before']}) allowed`,
      b.rfc,
    );
}

const shown = (d: string | number) => String(d).replace(/\*/g, '·');

async function expectRequest(b: Body, rt: Runtime, started: number): Promise<void> {
  const method = b.request!;
  const within = b.within ?? '64*T1';
  const agents = [b.agent!].flat();
  let rx: IncomingRequest;
  if (b.for !== undefined) rx = await ackFor(b, rt, rt.get(b.for, 'incoming'), agents[0]!);
  else {
    const callId = b['in-dialog-of'] ? messageOfCallId(rt, b['in-dialog-of']) : undefined;
    let done = false;
    const waits = agents.map((name) =>
      rt.agent(name).expect(method, {
        within,
        match: (req) => !done && (callId === undefined || req.callId === callId),
      }),
    );
    // The SUT forwards what another agent of the scenario sends; otherwise it originates the request itself.
    const role = rt.scenario.sentByAgents.has(method) && rt.ctx.sut.role !== 'ua' ? 'forward' : 'send';
    rx = await rt.expecting(
      Promise.any(waits).catch((e: AggregateError) => Promise.reject(e.errors[0])),
      (d) =>
        `no ${method} reached ${agents.join(' or ')} within ${rt.ms(within)} ms (${shown(within)})${b.situation ? ` ${b.situation}` : ''}: the SUT did not ${role} the ${method}; ${d}`,
      b.rfc,
    );
    done = true;
    for (const w of waits) w.catch(() => undefined);
  }
  notBefore(b, rt, started, rx.at, method);
  const agent = agents.find((a) => rt.agent(a) === rx.agent);
  const label = b.situation ? `the ${method} ${b.situation}` : method;
  checkMessage(rt, label, { msg: rx.request, flow: rx.flow, agent }, b, b.rfc);
  rt.save(b.as, { kind: 'incoming', inc: rx });
}

function messageOfCallId(rt: Runtime, name: string): string {
  const s = rt.get(name, 'call', 'outgoing', 'incoming');
  return s.kind === 'call'
    ? s.call.request.callId
    : s.kind === 'outgoing'
      ? s.out.request.callId
      : s.inc.request.callId;
}

/** The ACK for the final response an agent sent to a received INVITE. */
async function ackFor(b: Body, rt: Runtime, inv: SavedOf<'incoming'>, agentName: string): Promise<IncomingRequest> {
  const within = b.within ?? '64*T1';
  const agent = rt.agent(agentName);
  if (inv.nonTwoXxAck) {
    const ack = await inv.nonTwoXxAck;
    const status = inv.finalStatus;
    if (!ack)
      rt.fail(
        `no ACK for the ${status} within 64·T1 = ${rt.ms('64*T1')} ms (Timer H); ${agentName}'s transaction retransmitted the ${status}; responses sent: ${inv.inc.tx?.responsesSent.length ?? 0}`,
        b.rfc,
      );
    return new IncomingRequest(agent, ack.message, ack.flow, ack.at, undefined);
  }
  const twoXx = inv.inc.twoXx;
  if (!twoXx) throw rt.authorError(`"${b.for}" was not answered with a final response: there is nothing to ACK`);
  const sentAt = Date.now() - (performance.now() - twoXx.sends[0]!);
  const toTag = inv.inc.dialog?.localTag;
  const ack = await rt.expecting(
    agent.expect('ACK', {
      within,
      match: (r) =>
        r.callId === inv.inc.request.callId &&
        r.cseq.seq === inv.inc.request.cseq.seq &&
        (!toTag || r.to.tag === toTag),
    }),
    () =>
      `no ACK for the ${twoXx.response.status} ${twoXx.response.reason} sent at ${clock(sentAt)} within ${rt.ms(within) / 1000} s (${shown(within)})${b.situation ? ` ${b.situation}` : ''}; ${twoXx.retransmissions} retransmissions sent`,
    b.rfc,
  );
  const a = ack.request;
  // §13.2.2.4: the ACK has the INVITE's CSeq number and the dialog's To tag (§12.2.1.1).
  if (a.cseq.seq !== inv.inc.request.cseq.seq || a.cseq.method !== 'ACK')
    rt.fail(
      `ACK CSeq ${a.cseq.seq} ${a.cseq.method} is not the INVITE's number ${inv.inc.request.cseq.seq} with method ACK`,
      b.rfc,
    );
  if (toTag && a.to.tag !== toTag)
    rt.fail(
      `ACK To tag ${a.to.tag ?? 'none'} is not the tag ${agentName} put in the ${twoXx.response.status} (${toTag})`,
      b.rfc,
    );
  if (!(await twoXx.acked)) rt.fail('the ACK did not stop the 2xx retransmission', b.rfc);
  return ack;
}

async function expectResponse(b: Body, rt: Runtime, started: number): Promise<void> {
  const s = rt.get(b.response!, 'call', 'outgoing');
  const out = s.kind === 'call' ? s.call : s.out;
  const statuses =
    b.status === undefined
      ? undefined
      : b.status === 'all-flows-failed'
        ? [rt.ctx.sut.allFlowsFailedStatus ?? 480]
        : [b.status].flat();
  const wantsFinal = !statuses || statuses.every((x) => x >= 200);
  const within = b.within ?? '64*T1';
  const what = `${out.tx.method}`;
  // Waiting for a provisional status, finals end the wait too (so "got 486, expected 180" is said at once).
  const wait = (o: OutgoingRequest) =>
    rt.expecting(
      statuses
        ? o.expectResponse((st) => statuses.includes(st) || (st >= 200 && !statuses.some((x) => x < 200)), { within })
        : o.final({ within }),
      (d) =>
        `no ${wantsFinal ? 'final response' : 'response'} to ${what}${statuses ? ` (expected ${statuses.join(' or ')})` : ''} within ${rt.ms(within)} ms${b.situation ? ` ${b.situation}` : ''}: ${d}`,
      b.rfc,
    );
  let rx = await wait(out);
  if (s.kind === 'outgoing' && s.auth && (rx.message.status === 401 || rx.message.status === 407)) {
    const retry = await answerChallenge(rt, s.out, rx.message);
    if (retry) {
      s.out = retry;
      rx = await wait(retry);
    }
  }
  if (statuses && !statuses.includes(rx.message.status))
    rt.fail(
      `${what} got ${rx.message.status} ${rx.message.reason}, expected ${statuses.map((x) => `${x} ${REASON_PHRASES[x] ?? ''}`.trim()).join(' or ')}`,
      b.rfc,
    );
  notBefore(b, rt, started, rx.at, `the ${rx.message.status} to ${what}`);
  checkMessage(rt, `the ${rx.message.status} to ${what}`, { msg: rx.message, flow: rx.flow }, b, b.rfc);
  if (
    s.kind === 'outgoing' &&
    !s.dialog &&
    rx.message.status < 300 &&
    rx.message.status >= 200 &&
    createsDialog(out.tx.method)
  )
    s.dialog = Dialog.asUac(s.out.request, rx.message, rx.flow.reliable ? rx.flow : undefined);
  rt.save(b.as, {
    kind: 'response',
    res: rx.message,
    req: (s.kind === 'call' ? s.call : s.out).request,
    flow: rx.flow,
    at: rx.at,
  });
}

/**
 * RFC 3261 §22.2 / §8.1.3.5: the request again, with a new CSeq and the profile's credentials for the challenge of a
 * 401/407 (once). Undefined when the profile has no credentials for the agent or the challenge is not digest.
 */
async function answerChallenge(
  rt: Runtime,
  out: OutgoingRequest,
  res: SipResponse,
): Promise<OutgoingRequest | undefined> {
  const creds = rt.ctx.credentialsFor(out.agent);
  const challenge = selectChallenge(res.getAll(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
  if (!creds || !challenge) return undefined;
  const retry = out.request.clone();
  retry.remove('via');
  retry.set('CSeq', `${out.request.cseq.seq + 1} ${retry.method}`);
  const header = res.status === 401 ? 'Authorization' : 'Proxy-Authorization';
  retry.set(header, new DigestClient(creds).authorize(challenge, retry.method, retry.uriText));
  return out.agent.send(retry, { flow: out.tx.flow });
}
