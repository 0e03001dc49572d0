import {
  caller,
  type CheckContext,
  defineCheck,
  expectAtCaller,
  ExpectationError,
  inviteThroughSut,
  reachableParty,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'INVITE-NON2XX-ACK',
    suite: 'invite',
    title: 'A 486 from the callee is ACKed hop by hop by the proxy and reaches the caller',
    rfc: ['RFC 3261 §17.1.1.3', 'RFC 3261 §16.7', 'RFC 3261 §17.2.1'],
    severity: 'critical',
    roles: ['proxy', 'b2bua'],
    parties: ['alice', 'bob'],
    description:
      'Bob answers 486 Busy Here. The SUT’s client transaction must ACK it itself, with the branch of the INVITE Bob ' +
      'received (the ACK is part of that transaction, §17.1.1.3), which stops Bob’s retransmissions of the 486 ' +
      '(Timer G); the 486 must reach Alice.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      await ctx.step('bob answers 486 Busy Here', () => inv.respond(486));
      const ackWait = new Promise<{ branch?: string; at: number } | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ctx.ms('64*T1'));
        ctx.onCleanup(() => clearTimeout(timer));
        inv.tx!.once('ack', (rx) => {
          clearTimeout(timer);
          resolve({ branch: rx.message.topVia.branch, at: rx.at });
        });
      });
      await expectAtCaller(ctx, call, 486, 'RFC 3261 §16.7 step 6');
      await ctx.step('bob receives the ACK for the 486 with the INVITE’s branch', async () => {
        const ack = await ackWait;
        if (!ack) {
          const resent = inv.tx!.responsesSent.length;
          ctx.fail(
            `no ACK for the 486 within 64·T1 = ${ctx.ms('64*T1')} ms (Timer H); bob's transaction retransmitted the 486 (RFC 3261 §17.1.1.3, §17.2.1); responses sent: ${resent}`,
          );
        }
        ctx.assert(
          ack.branch === inv.request.topVia.branch,
          `ACK branch ${ack.branch} differs from the INVITE's ${inv.request.topVia.branch}: the non-2xx ACK is hop by hop, same transaction (RFC 3261 §17.1.1.3)`,
        );
      });
      await ctx.step('no end-to-end ACK for the 486 arrives at bob as a new transaction', async () => {
        try {
          await bob.agent.expectNoRequest('ACK', 2 * ctx.timers.t1);
        } catch (e) {
          if (e instanceof ExpectationError)
            ctx.fail(
              `an ACK for the 486 arrived outside the INVITE transaction (new branch): ${e.message} (RFC 3261 §17.1.1.3)`,
            );
          throw e;
        }
      });
    },
  },
  __filename,
);
