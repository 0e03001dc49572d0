// TypeScript: the caller must deliberately never ACK and count 2xx retransmissions over 64·T1; YAML has no such step yet.
import {
  type CheckContext,
  caller,
  defineCheck,
  expectAtCaller,
  inviteThroughSut,
  reachableParty,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'B2BUA-NO-ACK-BYE',
    suite: 'b2bua',
    title: 'A caller that never ACKs the 2xx: the B2BUA retransmits it for 64·T1, then sends BYE on both legs',
    rfc: ['RFC 3261 §13.3.1.4', 'RFC 3261 §15', 'RFC 3261 §17.2.1'],
    severity: 'normal',
    roles: ['b2bua'],
    parties: ['alice', 'bob'],
    description:
      'Bob answers; the B2BUA passes the 200 to Alice, who never ACKs. As her leg’s UAS the B2BUA retransmits the ' +
      '2xx at T1, 2·T1 … up to T2 (§13.3.1.4) and, when no ACK came within 64·T1, must end the session: a BYE to ' +
      'Alice (§13.3.1.4: "the UAS core SHOULD terminate the dialog with a BYE") and one to Bob, whose leg is up.',
    async run(ctx: CheckContext) {
      const bob = await reachableParty(ctx, 'bob');
      const alice = await caller(ctx, 'alice');
      const { call, inv } = await inviteThroughSut(ctx, alice, bob);
      await ctx.step('bob answers 200 OK', () => inv.accept());
      await expectAtCaller(ctx, call, 200, 'RFC 3261 §13.3.1.4');
      const bound = ctx.ms('64*T1') + ctx.ms('64*T1') / 2;
      const [byeA, byeB] = await ctx.step('alice does not ACK; both legs get a BYE after 64·T1', () =>
        Promise.all([
          alice
            .expect('BYE', { within: bound })
            .catch(
              ctx.unmet(
                () =>
                  `no BYE reached alice within ${bound} ms after a 2xx she never ACKed; the 2xx was sent ${call.twoXxCount} time(s) (RFC 3261 §13.3.1.4)`,
              ),
            ),
          bob.agent
            .expect('BYE', { within: bound })
            .catch(
              ctx.unmet(
                () =>
                  `no BYE reached bob within ${bound} ms although the caller leg was never ACKed: the callee leg stays up (RFC 3261 §13.3.1.4, §15)`,
              ),
            ),
        ]),
      );
      await ctx.step('both answer 200', () => Promise.all([byeA.respond(200), byeB.respond(200)]));
      ctx.assert(
        call.twoXxCount >= 3 || ctx.sut.transports.every((t) => t !== 'udp'),
        `the B2BUA sent its 2xx ${call.twoXxCount} time(s) in 64·T1 without an ACK; it must retransmit it at T1, 2·T1 … (RFC 3261 §13.3.1.4)`,
      );
    },
  },
  __filename,
);
