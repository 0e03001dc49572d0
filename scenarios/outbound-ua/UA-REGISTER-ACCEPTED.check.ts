import { type CheckContext, defineCheck } from 'sipconf/check';
import { assertOutboundRegister, seconds, uaRegisters } from './ua-sut';

/** The expiry the harness grants (§10.3 step 7 lets a registrar shorten it), so the refresh comes within 20 s. */
const GRANT_S = 20;

export default defineCheck(
  {
    id: 'UA-REGISTER-ACCEPTED',
    suite: 'outbound-ua',
    title: 'The UA treats the 200 to REGISTER as final and refreshes before the expiry the registrar granted',
    rfc: ['RFC 3261 §10.2.1', 'RFC 3261 §10.2.4', 'RFC 3261 §10.3', 'RFC 3261 §17.1.2.2', 'RFC 5626 §4.2'],
    severity: 'critical',
    roles: ['ua'],
    requires: ['outbound'],
    description:
      `The harness is the UA's registrar and edge proxy. (A UA the harness starts itself — profile with start: — is ` +
      `started fresh for this check, registering to this check's registrar; a UA started by the user registers to ` +
      `the profile's fixed listen port, and the check waits up to 90 s for it.) The UA's REGISTER gets a 200 that grants ` +
      `${GRANT_S} s, less than it asked for (§10.3 step 7). The UA must take the 200 as final — no retransmission of ` +
      `that REGISTER (§17.1.2.2) and no other REGISTER until its refresh — and send the refresh before the granted ` +
      `${GRANT_S} s run out (§10.2.4: the expiry in the 200 is the one that counts), with the same Call-ID, the next ` +
      `CSeq (§10.2), and the same +sip.instance and reg-id (RFC 5626 §4.2). The check honestly waits for the refresh: ` +
      `up to ${GRANT_S} s.`,
    async run(ctx: CheckContext) {
      const ua = await uaRegisters(ctx, { grantExpires: GRANT_S });
      const first = ua.first;
      const id = await ctx.step(
        `the REGISTER is an outbound registration; the harness answered 200 granting ${GRANT_S} s`,
        async () => {
          const id = assertOutboundRegister(ctx, first);
          ctx.assert(
            first.response?.status === 200,
            `harness: the first REGISTER was answered ${first.response?.status}`,
          );
          ctx.note(`the UA asked for ${first.requestedExpires ?? 'no'} s; the 200 granted ${GRANT_S} s`);
          return id;
        },
      );
      const deadline = first.at + GRANT_S * 1000;
      const refresh = await ctx.step(
        `the next REGISTER is the refresh, before the ${GRANT_S} s granted run out`,
        async () => {
          const next = await ua.registrar
            .expectRegister({
              within: Math.max(0, deadline - performance.now()),
              what: `the refresh REGISTER before the granted ${GRANT_S} s expire`,
            })
            .catch((e: Error) =>
              ctx.fail(
                `${e.message}: the binding expired without a refresh (RFC 3261 §10.2.4: the UA refreshes before the expiry in the 200)`,
              ),
            );
          const after = next.at - first.at;
          ctx.note(
            `the refresh came ${seconds(after)} after the first REGISTER (${Math.round((100 * after) / (GRANT_S * 1000))} % of the granted expiry)`,
          );
          ctx.assert(
            next.request.cseq.seq !== first.request.cseq.seq || next.request.callId !== first.request.callId,
            `the UA sent the REGISTER of CSeq ${first.request.cseq.seq} again after its 200: it did not treat the 200 as final (RFC 3261 §17.1.2.2)`,
          );
          return next;
        },
      );
      await ctx.step(
        'the refresh continues the registration: same Call-ID, next CSeq, same instance and reg-id',
        async () => {
          const req = refresh.request;
          ctx.assert(
            req.callId === first.request.callId,
            `the refresh has Call-ID ${req.callId}, the registration ${first.request.callId} (RFC 3261 §10.2: one Call-ID per registration)`,
          );
          ctx.assert(
            req.cseq.seq === first.request.cseq.seq + 1,
            `the refresh has CSeq ${req.cseq.seq}; after ${first.request.cseq.seq} it must be ${first.request.cseq.seq + 1} (RFC 3261 §10.2: incremented by one)`,
          );
          ctx.assert(
            refresh.instance === id.instance && refresh.regId === id.regId,
            `the refresh carries +sip.instance ${refresh.instance} reg-id ${refresh.regId}, not ${id.instance} reg-id ${id.regId} (RFC 5626 §4.2)`,
          );
          ctx.assert(refresh.response?.status === 200, `harness: the refresh was answered ${refresh.response?.status}`);
          if (refresh.flow.id !== first.flow.id)
            ctx.note(`the refresh came on a new flow ${refresh.flow.id}, not ${first.flow.id}`);
        },
      );
      await ctx.step('the accepted REGISTER was never retransmitted', async () => {
        // Same branch: absorbed by our server transaction, counted in arrivals; a new branch: a new REGISTER.
        const copies = ua.registrar.registers.filter(
          (r) =>
            r !== first && r.request.callId === first.request.callId && r.request.cseq.seq === first.request.cseq.seq,
        ).length;
        const again = first.arrivals.length - 1 + copies;
        ctx.assert(
          again === 0,
          `the REGISTER of CSeq ${first.request.cseq.seq} arrived ${again} more time(s) after its 200 (RFC 3261 §17.1.2.2)`,
        );
      });
    },
  },
  __filename,
);
