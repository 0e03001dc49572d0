import { backoffWindow, type CheckContext, defineCheck, RFC5626_BACKOFF } from 'sipconf/check';
import { assertOutboundRegister, seconds, uaRegisters } from './ua-sut';

/** Flow-Timer the harness sends (RFC 5626 §4.4.1: the UA pings every 80–100 % of it). */
const FLOW_TIMER_S = 20;
/** §4.4.1: no pong within 10 s of a ping → the flow has failed. */
const PONG_WAIT_S = 10;
const [, RETRY_MAX_S] = backoffWindow(RFC5626_BACKOFF, 1, true);

export default defineCheck(
  {
    id: 'UA-KEEPALIVE-FAILURE',
    suite: 'outbound-ua',
    title:
      'The UA sends CRLF keep-alives within the Flow-Timer and, when no pong comes, treats the flow as failed and re-registers on a new one',
    rfc: ['RFC 5626 §4.4.1', 'RFC 5626 §3.5.1', 'RFC 5626 §4.5'],
    severity: 'critical',
    roles: ['ua'],
    requires: ['outbound', 'keepalive'],
    transports: ['tcp', 'tls'],
    description:
      'The harness (registrar and edge; a managed UA is started fresh for this check) accepts the UA’s outbound ' +
      `REGISTER over TCP with Flow-Timer: ${FLOW_TIMER_S}, then stops answering keep-alives, as an edge that went ` +
      `away without closing the connection. The UA must send a CRLF ping within ${FLOW_TIMER_S} s (§4.4.1: at 80–100 % ` +
      `of the Flow-Timer); when no pong comes within ${PONG_WAIT_S} s it must treat the flow as failed (§4.4.1) and ` +
      `register again on a new flow with the same +sip.instance and reg-id after the §4.5 back-off (first retry ` +
      `within ${RETRY_MAX_S} s). Waited for honestly: up to ${FLOW_TIMER_S + PONG_WAIT_S + RETRY_MAX_S} s.`,
    async run(ctx: CheckContext) {
      const ua = await uaRegisters(ctx, { flowTimer: FLOW_TIMER_S, autoPong: false });
      const first = ua.first;
      const id = await ctx.step(
        `the UA registered an outbound flow; the 200 carries Flow-Timer: ${FLOW_TIMER_S}`,
        async () => {
          ctx.assert(
            first.flow.reliable,
            `the UA registered over ${first.flow.transport}; this check is about CRLF keep-alives on TCP/TLS (§4.4.1)`,
          );
          ctx.assert(
            first.response?.status === 200 && first.response.get('flow-timer') === String(FLOW_TIMER_S),
            'harness: the 200 did not carry the Flow-Timer',
          );
          return assertOutboundRegister(ctx, first);
        },
      );
      const agent = ua.registrar.agent;
      const pingBound = FLOW_TIMER_S * 1000 + Math.max(4 * ctx.timers.t1, 5000); // slack: the UA's timer granularity and a busy machine
      const ping = await ctx.step(
        `the UA pings the flow within the Flow-Timer (${FLOW_TIMER_S} s); the edge does not answer`,
        async () => {
          const ev = await agent
            .expectFlowEvent('ping', {
              flow: first.flow,
              within: Math.max(0, first.at + pingBound - performance.now()),
            })
            .catch((e: Error) =>
              ctx.fail(
                `no CRLF keep-alive on the registered flow within the Flow-Timer of ${FLOW_TIMER_S} s: ${e.message} (RFC 5626 §4.4.1)`,
              ),
            );
          ctx.note(
            `first ping ${seconds(ev.at - first.at)} after the REGISTER (Flow-Timer ${FLOW_TIMER_S} s); no pong sent`,
          );
          return ev;
        },
      );
      const bound = (PONG_WAIT_S + RETRY_MAX_S) * 1000 + Math.max(4 * ctx.timers.t1, 5000); // slack: the UA's timer granularity and a busy machine
      const again = await ctx.step(
        `the UA gives the flow up and re-registers on a new flow (≤ ${PONG_WAIT_S} + ${RETRY_MAX_S} s after the ping)`,
        async () => {
          const rec = await ua.registrar
            .expectRegister({ within: bound, what: 'a REGISTER on a new flow after the unanswered ping' })
            .catch((e: Error) =>
              ctx.fail(
                `${e.message}: the UA did not re-register within ${seconds(bound)} of a ping that got no pong (RFC 5626 §4.4.1: no pong in ${PONG_WAIT_S} s means the flow failed; §4.5: first retry within ${RETRY_MAX_S} s)`,
              ),
            );
          const closed = agent.flowEvents.all().find((e) => e.kind === 'close' && e.flow.id === first.flow.id);
          ctx.note(
            `${closed ? `the UA closed the old flow ${seconds(closed.at - ping.at)} after the ping; ` : ''}it re-registered ${seconds(rec.at - ping.at)} after the ping`,
          );
          ctx.assert(
            rec.flow.id !== first.flow.id,
            `the re-REGISTER came on the flow whose ping went unanswered (${first.flow.id}); §4.4.1 says that flow has failed and §4.5 that a new one is formed`,
          );
          return rec;
        },
      );
      await ctx.step('the new flow carries the same +sip.instance and reg-id', async () => {
        ctx.assert(
          again.instance === id.instance,
          `the re-REGISTER carries +sip.instance ${again.instance ?? 'none'}, not ${id.instance} (RFC 5626 §4.5)`,
        );
        ctx.assert(
          again.regId === id.regId,
          `the re-REGISTER carries reg-id ${again.regId ?? 'none'}, not ${id.regId} (RFC 5626 §4.5: the same reg-id)`,
        );
      });
    },
  },
  __filename,
);
