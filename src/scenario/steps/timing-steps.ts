/**
 * `wait`, `expect-none` and `retransmissions`: time in a scenario — a pause, "nothing arrives within", and the
 * retransmissions of one message counted at both ends (RFC 3261 §13.3.1.4, §16.7).
 */
import { AgentRef, Duration, Method, Rfc, SavedRef, Type, obj } from './schema-parts';
import { stepKind } from './step-kind';

export const wait = stepKind({
  schema: Duration,
  summary: 'pause for a duration (ms, "2s", "T1", "4*T1")',
  label: (b) => `wait ${b}`,
  run: async (b, rt) => {
    await new Promise((r) => setTimeout(r, rt.ms(b)));
  },
});

export const expectNone = stepKind({
  schema: obj({
    agent: Type.Union([AgentRef, Type.Array(AgentRef, { minItems: 1 })]),
    request: Type.Union([Method, Type.Literal('any')]),
    for: Duration,
    rfc: Type.Optional(Rfc),
  }),
  summary: 'no such request (or none at all: `any`) arrives at the agent(s) for a duration',
  label: (b) =>
    `${[b.agent].flat().join(' and ')} receive${Array.isArray(b.agent) ? '' : 's'} no ${b.request === 'any' ? 'request' : b.request} for ${b.for}`,
  run: async (b, rt) => {
    await Promise.all(
      [b.agent].flat().map((name) => {
        const agent = rt.agent(name);
        const wait =
          b.request === 'any'
            ? agent.requests.expectNone(() => true, rt.ms(b.for), `${name} expected no request for ${rt.ms(b.for)} ms`)
            : agent.expectNoRequest(b.request, b.for);
        return rt.expecting(wait, (d) => d, b.rfc);
      }),
    );
  },
});

export const retransmissions = stepKind({
  schema: obj({
    of: SavedRef(['incoming'], 'a received INVITE our agent answered with a 2xx it retransmits'),
    'received-by': SavedRef(['call'], 'the call at the other end, which must receive every retransmission'),
    during: Duration,
    rfc: Type.Optional(Rfc),
  }),
  summary: 'the caller withholds its ACK for a while; every 2xx retransmission the callee sent must reach it',
  label: (b) => `withhold the ACK for ${b.during}; every retransmission of ${b.of}'s 2xx reaches ${b['received-by']}`,
  run: async (b, rt) => {
    const inv = rt.get(b.of, 'incoming').inc;
    const call = rt.get(b['received-by'], 'call').call;
    const twoXx = inv.twoXx;
    if (!twoXx) throw rt.authorError(`"${b.of}" was not answered with a retransmitted 2xx`);
    await new Promise((r) => setTimeout(r, rt.ms(b.during)));
    const sent = twoXx.sends.length;
    const received = call.twoXxCount;
    rt.ctx.note(
      `${inv.agent.name} sent the ${twoXx.response.status} ${sent} times; ${call.agent.name} received it ${received} times`,
    );
    // Fewer than 3 sends in the window is our own timing, not the SUT's doing: a harness error.
    if (sent < 3)
      throw new Error(`harness timing: ${inv.agent.name} retransmitted only ${sent - 1} times in ${b.during}`);
    if (received < sent - 1)
      rt.fail(
        `${inv.agent.name} sent the ${twoXx.response.status} ${twoXx.response.reason} ${sent} times (1 + ${sent - 1} retransmissions) but ${call.agent.name} received it ${received} time(s): the SUT did not forward the 2xx retransmissions`,
        b.rfc,
      );
  },
});
