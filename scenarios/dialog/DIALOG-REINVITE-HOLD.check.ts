// TypeScript: reads and sets SDP direction attributes across two offers and answers; the YAML steps have no SDP vocabulary yet.
import {
  type CheckContext,
  ackInDialog,
  answerDirection,
  type Direction,
  defineCheck,
  directionOf,
  establishCall,
  expectInDialog,
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
      'ACKed. Resuming with a=sendrecv must work the same way.',
    async run(ctx: CheckContext) {
      const { alice, bob, aliceDialog } = await establishCall(ctx);
      let sdp = defaultSdp(alice);
      for (const dir of ['sendonly', 'sendrecv'] as Direction[]) {
        sdp = withDirection(nextVersion(sdp), dir);
        const what = dir === 'sendonly' ? 'hold' : 'resume';
        const { out, final } = await requestInDialog(ctx, alice, aliceDialog, 'INVITE', 'RFC 3261 §14.1', {
          body: sdp,
        });
        const reinv = await expectInDialog(ctx, bob.agent, 'INVITE', 'RFC 3261 §14.2, RFC 3264 §8.4');
        ctx.assert(
          directionOf(reinv.request.body) === dir,
          `alice's ${what} offer (a=${dir}) reached bob as a=${directionOf(reinv.request.body)} (RFC 3264 §8.4)`,
        );
        const answer = withDirection(defaultSdp(bob.agent), answerDirection(dir));
        await ctx.step(`bob answers 200 with a=${answerDirection(dir)} (RFC 3264 §6.1)`, () =>
          reinv.accept({ body: answer }),
        );
        const ok = await final();
        ctx.assert(
          ok.message.status === 200,
          `alice's ${what} re-INVITE got ${ok.message.status}, not 200 (RFC 3261 §14.2)`,
        );
        ctx.assert(
          directionOf(ok.message.body) === answerDirection(dir),
          `the answer to alice's ${what} offer says a=${directionOf(ok.message.body)}, bob answered a=${answerDirection(dir)} (RFC 3264 §6.1, §8.4)`,
        );
        await ctx.step('alice ACKs the 2xx (§13.2.2.4)', () => ackInDialog(alice, aliceDialog, out));
        await ctx.step('bob receives an ACK for his 2xx', () =>
          bob.agent
            .expect('ACK', { within: '64*T1' })
            .catch((e: Error) =>
              ctx.fail(`no ACK for bob's 2xx to the ${what} re-INVITE: ${e.message} (RFC 3261 §13.2.2.4)`),
            ),
        );
      }
    },
  },
  __filename,
);
