// TypeScript: reads and sets SDP direction attributes across two offers and answers; the YAML steps have no SDP vocabulary yet.
import {
  type CheckContext,
  ackInDialog,
  answerDirection,
  type Direction,
  defineCheck,
  directionOf,
  establishCall,
  nextVersion,
  requestInDialog,
  withDirection,
} from 'sipconf/check';
import { defaultSdp } from 'sipconf';

export default defineCheck(
  {
    id: 'DIALOG-REINVITE-HOLD',
    suite: 'dialog',
    title: 'Hold and resume by re-INVITE: a=sendonly reaches the peer, the recvonly answer comes back, then sendrecv',
    rfc: ['RFC 3261 §14.1', 'RFC 3261 §14.2', 'RFC 3264 §8.4', 'RFC 3264 §6.1', 'RFC 3261 §13.2.2.4'],
    severity: 'critical',
    roles: ['proxy', 'b2bua'],
    parties: ['alice', 'bob'],
    description:
      'In an answered call Alice puts Bob on hold: a re-INVITE whose SDP offer marks the stream a=sendonly ' +
      '(RFC 3264 §8.4). It must reach Bob in his dialog with that direction — a proxy routes it by the route set, ' +
      'a B2BUA maps it onto the callee leg — and his answer (a=recvonly, §6.1) must reach Alice in a 2xx that is ' +
      'ACKed. A B2BUA that terminates media (RFC 7092 §3.2.3) may answer on Alice’s leg itself, with the mirrored ' +
      'direction. Resuming with a=sendrecv must work the same way.',
    async run(ctx: CheckContext) {
      const { alice, bob, aliceDialog } = await establishCall(ctx);
      let sdp = defaultSdp(alice);
      for (const dir of ['sendonly', 'sendrecv'] as Direction[]) {
        sdp = withDirection(nextVersion(sdp), dir);
        const what = dir === 'sendonly' ? 'hold' : 'resume';
        const { out, final } = await requestInDialog(ctx, alice, aliceDialog, 'INVITE', 'RFC 3261 §14.1', {
          body: sdp,
        });
        // A proxy routes the re-INVITE to bob; a B2BUA passes the offer to bob's leg, or — terminating media itself
        // (RFC 7092 §3.2.3) — answers it on alice's leg. Either way the answer alice gets must mirror her offer.
        const first = await ctx.step('the re-INVITE reaches bob, or the B2BUA answers it itself', async () => {
          const deadline = performance.now() + ctx.ms('64*T1');
          while (performance.now() < deadline) {
            const inv = bob.agent.requests.take((r) => r.method === 'INVITE');
            if (inv) return inv;
            if (out.responses.pending().some((r) => r.message.status >= 200) || out.failure) return undefined;
            await new Promise((r) => setTimeout(r, 5));
          }
          return ctx.fail(
            `alice's ${what} re-INVITE neither reached bob nor got an answer within 64·T1 (RFC 3261 §14.2)`,
          );
        });
        if (!first && ctx.sut.role !== 'b2bua')
          ctx.fail(
            `alice's ${what} re-INVITE got a final response but never reached bob: a proxy must route it (RFC 3261 §16.12)`,
          );
        if (first) {
          ctx.assert(
            directionOf(first.request.body) === dir,
            `alice's ${what} offer (a=${dir}) reached bob as a=${directionOf(first.request.body)} (RFC 3264 §8.4)`,
          );
          const answer = withDirection(defaultSdp(bob.agent), answerDirection(dir));
          await ctx.step(`bob answers 200 with a=${answerDirection(dir)} (RFC 3264 §6.1)`, () =>
            first.accept({ body: answer }),
          );
        } else ctx.note(`the B2BUA answered alice's ${what} re-INVITE itself (it terminates media, RFC 7092 §3.2.3)`);
        const ok = await final();
        ctx.assert(
          ok.message.status === 200,
          `alice's ${what} re-INVITE got ${ok.message.status}, not 200 (RFC 3261 §14.2)`,
        );
        ctx.assert(
          directionOf(ok.message.body) === answerDirection(dir),
          `the answer to alice's ${what} offer says a=${directionOf(ok.message.body)}; an answer to a=${dir} says a=${answerDirection(dir)} (RFC 3264 §6.1, §8.4)`,
        );
        await ctx.step('alice ACKs the 2xx (§13.2.2.4)', () => ackInDialog(alice, aliceDialog, out));
        if (first)
          await ctx.step('bob receives an ACK for his 2xx', () =>
            bob.agent
              .expect('ACK', { within: '64*T1' })
              .catch(ctx.unmet((d) => `no ACK for bob's 2xx to the ${what} re-INVITE: ${d} (RFC 3261 §13.2.2.4)`)),
          );
      }
    },
  },
  __filename,
);
