import {
  caller,
  type CheckContext,
  defineCheck,
  expectAtCaller,
  inviteThroughSut,
  reachableParty,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'INVITE-2XX-RETRANSMIT',
    suite: 'invite',
    title: "While no ACK has arrived, the callee's 2xx retransmissions are forwarded to the caller",
    rfc: ['RFC 3261 §13.3.1.4', 'RFC 3261 §16.7', 'RFC 6026 §7.1'],
    severity: 'critical',
    roles: ['proxy'],
    parties: ['alice', 'bob'],
    description:
      'Bob answers 200 OK and retransmits it at T1, 2·T1, 4·T1 … because Alice withholds her ACK. A proxy forwards ' +
      'every 2xx it receives upstream (§16.7 step 10; RFC 6026 keeps the server transaction in Accepted for this), ' +
      'so Alice must see the retransmissions too — otherwise a lost 200 on the caller side can never be recovered.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      await ctx.step('bob answers 200 OK (and retransmits it, §13.3.1.4)', () => inv.accept());
      await expectAtCaller(ctx, call, 200, 'RFC 3261 §16.7');
      // Bob sends at 0, T1, 3·T1, 7·T1: within 8·T1 (+ slack) he has retransmitted 3 times.
      const window = 8 * ctx.timers.t1 + Math.max(200, ctx.timers.t1);
      await ctx.step(
        `alice withholds her ACK for ${window} ms and counts the 200s`,
        () => new Promise((r) => setTimeout(r, window)),
      );
      const sent = inv.twoXx!.sends.length;
      const received = call.twoXxCount;
      ctx.note(`bob sent the 200 ${sent} times; alice received it ${received} times`);
      await ctx.step('every retransmission reached alice', async () => {
        ctx.assert(sent >= 3, `bob retransmitted only ${sent - 1} times in ${window} ms: harness timing problem`);
        ctx.assert(
          received >= sent - 1,
          `bob sent the 200 OK ${sent} times (1 + ${sent - 1} retransmissions) but alice received it ${received} time(s): ` +
            `the SUT did not forward the 2xx retransmissions (RFC 3261 §16.7, §13.3.1.4; RFC 6026 §7.1)`,
        );
      });
      await ctx.step('alice ACKs; bob receives the ACK', async () => {
        await call.ack();
        await bob.agent.expect('ACK', { within: '64*T1' });
      });
    },
  },
  __filename,
);
