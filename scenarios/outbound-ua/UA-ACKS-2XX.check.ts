import type { IncomingRequest } from 'sipconf';
import { type CheckContext, defineCheck } from 'sipconf/check';
import { seconds, uaRegisters } from './ua-sut';

export default defineCheck(
  {
    id: 'UA-ACKS-2XX',
    suite: 'outbound-ua',
    title: 'The UA as caller ACKs the 2xx to its INVITE, and ACKs a retransmitted 2xx again',
    rfc: ['RFC 3261 §13.2.2.4', 'RFC 3261 §13.3.1.4', 'RFC 3261 §17.1.1.3', 'RFC 3261 §12.2.1.1'],
    severity: 'blocker',
    roles: ['ua'],
    description:
      'The harness is the UA’s registrar and edge proxy and also plays the callee (a managed UA is started fresh for ' +
      'this check). After the UA registered, the profile’s dial: makes it call a fresh URI; its INVITE reaches the ' +
      'harness, which answers 200 OK. The UA must send an ACK for the 2xx (§13.2.2.4) in the dialog: same Call-ID, ' +
      'the INVITE’s CSeq number with method ACK, the To tag of the 200 (§12.2.1.1). The harness then sends the 200 ' +
      'once more, as a UAS whose 200 or ACK got lost does (§13.3.1.4); the UA must ACK that retransmission too ' +
      '(§13.2.2.4: "an ACK for each 2xx"). Bounded by 64·T1 per wait.',
    async run(ctx: CheckContext) {
      const ua = await uaRegisters(ctx);
      const callee = ctx.freshUser('carol');
      const uri = `sip:${callee}@${ctx.sut.domain}`;
      const agent = ua.registrar.agent;
      const inv: IncomingRequest = await ctx.step(
        `the harness makes the UA call ${uri}; its INVITE arrives`,
        async () => {
          await ua.dial(uri);
          return agent
            .expect('INVITE', { within: '64*T1' })
            .catch((e: Error) =>
              ctx.fail(`the UA was told to call ${uri} but no INVITE reached the harness: ${e.message}`),
            );
        },
      );
      const dialog = await ctx.step('the harness answers 200 OK (and stops retransmitting it once the ACK is in)', () =>
        inv.accept(),
      );
      const toTag = dialog.localTag;
      const isAck = (req: IncomingRequest['request']) =>
        req.callId === inv.request.callId &&
        req.cseq.seq === inv.request.cseq.seq &&
        req.cseq.method === 'ACK' &&
        req.to.tag === toTag;
      const ack1 = await ctx.step('the UA ACKs the 200 (RFC 3261 §13.2.2.4)', async () => {
        const ack = await agent
          .expect('ACK', { within: '64*T1' })
          .catch((e: Error) => ctx.fail(`no ACK for the 200 OK to the UA's INVITE: ${e.message} (RFC 3261 §13.2.2.4)`));
        ctx.assert(
          isAck(ack.request),
          `the ACK does not belong to the 200: Call-ID ${ack.request.callId}, CSeq ${ack.request.cseq.seq} ${ack.request.cseq.method}, To tag ${ack.request.to.tag ?? 'none'}; expected Call-ID ${inv.request.callId}, CSeq ${inv.request.cseq.seq} ACK, To tag ${toTag} (RFC 3261 §13.2.2.4, §12.2.1.1)`,
        );
        ctx.note(
          `the ACK came ${seconds(ack.at - inv.twoXx!.sends[0]!)} after the 200, after ${inv.twoXx!.retransmissions} retransmission(s)`,
        );
        return ack;
      });
      await ctx.step(
        'the harness sends the 200 again (a retransmission, §13.3.1.4); the UA ACKs it again',
        async () => {
          await inv.flow.send(inv.twoXx!.response.toBuffer());
          const ack = await agent
            .expect('ACK', { within: '64*T1', match: (r) => isAck(r) })
            .catch((e: Error) =>
              ctx.fail(
                `the UA did not ACK the retransmitted 200 OK: ${e.message} (RFC 3261 §13.2.2.4: "The UAC core MUST generate an ACK ... for each 2xx")`,
              ),
            );
          ctx.assert(ack !== ack1, 'harness: the same ACK was counted twice');
        },
      );
      await ctx.step('the harness hangs up (BYE)', async () => {
        const bye = await inv.sendInDialog('BYE');
        const res = await bye.final({ within: '64*T1' }).catch(() => undefined);
        ctx.note(`BYE answered ${res ? res.message.status : 'not at all'}`);
      });
    },
  },
  __filename,
);
