import { backoffWindow, type CheckContext, defineCheck, RFC5626_BACKOFF } from 'sipconf/check';
import { assertOutboundRegister, seconds, uaRegisters } from './ua-sut';

/**
 * RFC 5626 §4.5 with its default times: the UA's only flow failed, so base-time is 30 s (all flows failed); counting
 * the failure, W = min(1800, 30 · 2^1) = 60 s and the UA waits between 30 and 60 s ("the first retry happens
 * somewhere between 30 and 60 seconds"). A UA that tries at once, before any failed attempt, is within the RFC too
 * (§4.5 sets the wait for retries after a failure to form the flow), so the lower bound is reported, not enforced.
 */
const [, WINDOW_MAX_S] = backoffWindow(RFC5626_BACKOFF, 1, true);

export default defineCheck(
  {
    id: 'UA-REREGISTER-AFTER-FLOW-FAILURE',
    suite: 'outbound-ua',
    title:
      'When its flow dies, the UA re-registers on a new flow with the same +sip.instance and reg-id within the §4.5 back-off',
    rfc: ['RFC 5626 §4.4.1', 'RFC 5626 §4.5', 'RFC 5626 §4.2', 'RFC 3261 §10.2.4'],
    severity: 'blocker',
    roles: ['ua'],
    requires: ['outbound'],
    transports: ['tcp', 'tls'],
    description:
      'The harness is the UA’s registrar and edge proxy (a managed UA is started fresh for this check; one started by ' +
      'the user registers to the profile’s fixed listen port). It accepts the UA’s outbound REGISTER over TCP, then ' +
      'kills that flow (TCP reset), as an edge whose connection died. The UA must notice (§4.4.1), open a new flow ' +
      'and register again with the same +sip.instance and the same reg-id (§4.5: "MUST have the same reg-id"). The ' +
      `check waits honestly for the RFC's back-off: with the default base-time of 30 s (all flows failed) the first ` +
      `retry comes between 30 and ${WINDOW_MAX_S} s, so the re-REGISTER must arrive within ${WINDOW_MAX_S} s (+ max(4·T1, 5 s) ` +
      'for scheduling); when it came is reported.',
    async run(ctx: CheckContext) {
      const ua = await uaRegisters(ctx);
      const first = ua.first;
      const id = await ctx.step(
        'the UA registered an outbound flow; the harness answered 200 (Require: outbound, Flow-Timer)',
        async () => {
          ctx.assert(
            first.flow.reliable,
            `the UA registered over ${first.flow.transport}; this check kills a connection-oriented flow (TCP/TLS)`,
          );
          ctx.assert(first.response?.status === 200, `harness: the REGISTER was answered ${first.response?.status}`);
          return assertOutboundRegister(ctx, first);
        },
      );
      // Let the 200 reach the UA before the flow dies (it must be registered, §4.5: a flow that registered).
      await new Promise((r) => setTimeout(r, Math.max(200, ctx.timers.t1)));
      const killedAt = await ctx.step(`the edge kills the flow ${first.flow.id} (TCP reset)`, async () => {
        await ua.registrar.killFlow(first.flow, 'reset');
        return performance.now();
      });
      const bound = WINDOW_MAX_S * 1000 + Math.max(4 * ctx.timers.t1, 5000); // slack: the UA's timer granularity and a busy machine
      const again = await ctx.step(
        `the UA re-registers on a new flow within the back-off (≤ ${WINDOW_MAX_S} s)`,
        async () => {
          const rec = await ua.registrar
            .expectRegister({ within: bound, what: 'a REGISTER on a new flow after the flow failed' })
            .catch((e: Error) =>
              ctx.fail(
                `${e.message}: the UA did not re-register within ${seconds(bound)} of its flow failing (RFC 5626 §4.4.1, §4.5: first retry within ${WINDOW_MAX_S} s)`,
              ),
            );
          const delay = rec.at - killedAt;
          ctx.note(
            `the UA re-registered ${seconds(delay)} after its flow was killed (RFC 5626 §4.5 default window for the first retry: 30–${WINDOW_MAX_S} s)`,
          );
          ctx.assert(
            rec.flow.id !== first.flow.id &&
              !(rec.flow.transport === 'udp' && rec.flow.remote.port === first.flow.remote.port),
            `the re-REGISTER came on the failed flow ${first.flow.id} (RFC 5626 §4.5: a new flow)`,
          );
          return rec;
        },
      );
      await ctx.step('the re-REGISTER replaces the old registration: same +sip.instance and reg-id', async () => {
        ctx.assert(
          again.instance === id.instance,
          `the re-REGISTER carries +sip.instance ${again.instance ?? 'none'}, the registration had ${id.instance} (RFC 5626 §4.5)`,
        );
        ctx.assert(
          again.regId === id.regId,
          `the re-REGISTER carries reg-id ${again.regId ?? 'none'}, the failed flow was registered with reg-id ${id.regId} (RFC 5626 §4.5: "MUST have the same reg-id")`,
        );
        ctx.assert(again.response?.status === 200, `harness: the re-REGISTER was answered ${again.response?.status}`);
        const bindings = ua.registrar.bindings(again.request.to.uri.toString().replace(/^sips?:/, 'sip:'));
        ctx.note(
          `bindings after the re-REGISTER: ${bindings.map((b) => `${b.uri} reg-id ${b.regId ?? '-'} on ${b.flow?.id ?? '?'}`).join('; ') || 'none'}`,
        );
      });
    },
  },
  __filename,
);
