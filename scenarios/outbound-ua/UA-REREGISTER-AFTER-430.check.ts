import { backoffWindow, type CheckContext, defineCheck, RFC5626_BACKOFF } from 'sipconf/check';
import { assertOutboundRegister, seconds, uaRegisters } from './ua-sut';

/**
 * RFC 5626 §4.5, default times, one failed registration: whether the failure counts as consecutive-failures 0 or 1,
 * W is 30 or 60 s and the retry delay is 50–100 % of W. So a conformant UA waits at least 15 s (the MUST: "wait for
 * at least the value of the retry delay time") and, with the default times, at most 60 s.
 */
const [WINDOW_MIN_S] = backoffWindow(RFC5626_BACKOFF, 0, true);
const [, WINDOW_MAX_S] = backoffWindow(RFC5626_BACKOFF, 1, true);

export default defineCheck(
  {
    id: 'UA-REREGISTER-AFTER-430',
    suite: 'outbound-ua',
    title:
      'A 430 Flow Failed to its REGISTER is a failed registration: the UA retries with the same instance and reg-id after the §4.5 back-off',
    rfc: ['RFC 5626 §11.5', 'RFC 5626 §4.5', 'RFC 3261 §8.1.3.2'],
    severity: 'normal',
    roles: ['ua'],
    requires: ['outbound'],
    description:
      'The variant of UA-REREGISTER-AFTER-FLOW-FAILURE in which the edge answers on the flow instead of killing it: ' +
      'the harness (registrar and edge; a managed UA is started fresh for this check) answers the UA’s outbound ' +
      'REGISTER with 430 Flow Failed. An endpoint treats a 430 like a 400 (RFC 5626 §11.5, RFC 3261 §8.1.3.2): the ' +
      'registration failed, so the UA must wait the §4.5 retry delay — at least ' +
      `${WINDOW_MIN_S} s whatever the failure count, at most ${WINDOW_MAX_S} s with the default times — and then ` +
      'register again with the same +sip.instance and reg-id (on the same or a new flow). The check waits for it honestly.',
    async run(ctx: CheckContext) {
      const ua = await uaRegisters(ctx, { firstAnswer: { kind: 'status', status: 430 } });
      const first = ua.first;
      const id = await ctx.step('the UA sent an outbound REGISTER; the edge answered 430 Flow Failed', async () => {
        ctx.assert(first.response?.status === 430, `harness: the REGISTER was answered ${first.response?.status}`);
        return assertOutboundRegister(ctx, first);
      });
      const bound = WINDOW_MAX_S * 1000 + Math.max(4 * ctx.timers.t1, 5000); // slack: the UA's timer granularity and a busy machine
      const retry = await ctx.step(`the UA retries between ${WINDOW_MIN_S} and ${WINDOW_MAX_S} s later`, async () => {
        const rec = await ua.registrar
          .expectRegister({ within: bound, what: 'the retried REGISTER after the 430' })
          .catch((e: Error) =>
            ctx.fail(
              `${e.message}: no new registration attempt within ${seconds(bound)} of the 430 (RFC 5626 §4.5: with the default times the retry comes within ${WINDOW_MAX_S} s)`,
            ),
          );
        const delay = rec.at - first.at;
        ctx.note(
          `the UA retried ${seconds(delay)} after the 430, on ${rec.flow.id === first.flow.id ? 'the same flow' : `a new flow ${rec.flow.id}`}`,
        );
        ctx.assert(
          delay >= WINDOW_MIN_S * 1000,
          `the UA retried ${seconds(delay)} after its REGISTER failed with 430; RFC 5626 §4.5 says it MUST wait at least the retry delay, which is never below ${WINDOW_MIN_S} s with the default times (a 430 is a failure, RFC 5626 §11.5)`,
        );
        return rec;
      });
      await ctx.step('the retry carries the same +sip.instance and reg-id', async () => {
        ctx.assert(
          retry.instance === id.instance,
          `the retry carries +sip.instance ${retry.instance ?? 'none'}, not ${id.instance} (RFC 5626 §4.5)`,
        );
        ctx.assert(
          retry.regId === id.regId,
          `the retry carries reg-id ${retry.regId ?? 'none'}, not ${id.regId} (RFC 5626 §4.5: the same reg-id)`,
        );
        ctx.assert(retry.response?.status === 200, `harness: the retry was answered ${retry.response?.status}`);
      });
    },
  },
  __filename,
);
