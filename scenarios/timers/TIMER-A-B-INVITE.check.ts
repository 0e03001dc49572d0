// TypeScript, not YAML: it measures intervals between the SUT's retransmissions at the harness's receive times.
import {
  type CheckContext,
  arrivalsAt,
  assertRetransmitIntervals,
  defineCheck,
  inviteThroughSut,
  reachableParty,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'TIMER-A-B-INVITE',
    suite: 'timers',
    title:
      'INVITE to a silent callee: retransmitted at T1, 2·T1, 4·T1 … (Timer A); the caller gets 408 at 64·T1 (Timer B)',
    rfc: ['RFC 3261 §17.1.1.2', 'RFC 3261 §16.7', 'RFC 3261 §16.8'],
    severity: 'normal',
    roles: ['proxy'],
    parties: ['alice', 'bob'],
    transports: ['udp'],
    description:
      'Bob registers and never answers. Over UDP the proxy’s INVITE client transaction must retransmit the INVITE to ' +
      'bob after T1, 2·T1, 4·T1 … (Timer A, §17.1.1.2), measured at bob’s receive times, each copy within 25 % of its interval or 100 ms; ' +
      'when Timer B (64·T1) fires it treats the branch as a 408 (§16.8) and, bob being the only target, alice gets ' +
      '408 Request Timeout (§16.7 step 6) about 64·T1 after the INVITE reached bob (within 10 % or 300 ms).',
    async run(ctx: CheckContext) {
      const t1 = ctx.timers.t1;
      // the SUT's configured limit when its profile states one (Kamailio's tm fr_timer), else the RFC's 64·T1
      const timeoutB = ctx.sut.timeouts?.timerB ?? 64 * t1;
      const limit = ctx.sut.timeouts?.timerB !== undefined ? `the profile's Timer B` : '64·T1';
      const bob = await reachableParty(ctx, 'bob', 'udp');
      // alice's own Timer B must outlast the SUT's, so her T1 is twice the SUT's.
      const alice = await ctx.agent('alice', { listen: ['udp'], timers: { ...ctx.timers, t1: 2 * t1 } });
      const { call, inv } = await inviteThroughSut(ctx, alice, bob, { transport: 'udp' });
      const first = inv.at;
      const final = await ctx.step('bob stays silent; alice gets a final response', () =>
        call
          .final({ within: timeoutB + timeoutB / 2 })
          .catch(
            ctx.unmet(
              () =>
                `no final response reached alice within 1.5 × ${limit} = ${timeoutB * 1.5} ms after the INVITE reached a ` +
                'silent bob: the proxy must give up at Timer B and send 408 (RFC 3261 §16.8, §16.7 step 6)',
            ),
          ),
      );
      const after = Math.round(final.at - first);
      // RFC 5626 §5.3, §7: behind an edge proxy (Path) a silent flow is a failed flow, answered with the profile's
      // status for a callee whose every flow failed.
      const flowFailed = ctx.sut.capabilities.includes('path') ? ctx.sut.allFlowsFailedStatus : undefined;
      if (flowFailed !== undefined && final.message.status === flowFailed)
        ctx.note(`the SUT answered ${flowFailed} (every flow of the callee failed, RFC 5626 §7) rather than 408`);
      ctx.assert(
        final.message.status === 408 || final.message.status === flowFailed,
        `alice got ${final.message.status} ${final.message.reason} after a silent callee; a proxy's branch that times ` +
          'out counts as 408 Request Timeout, the best (only) response to forward (RFC 3261 §16.8, §16.7 step 6)',
      );
      ctx.assert(
        Math.abs(after - timeoutB) <= Math.max(300, timeoutB / 10),
        `the 408 reached alice ${after} ms after the INVITE reached bob; Timer B fires at ${limit} = ${timeoutB} ms ` +
          '(within 10 % or 300 ms) (RFC 3261 §17.1.1.2, §16.8)',
      );
      const times = arrivalsAt(ctx, bob.agent.name, 'INVITE', inv.request.topVia.branch ?? '');
      assertRetransmitIntervals(ctx, times, {
        what: 'the INVITE to bob',
        t1,
        minRetransmits: Math.min(4, Math.floor(Math.log2(timeoutB / t1))),
        rfc: 'RFC 3261 §17.1.1.2 (Timer A)',
      });
    },
  },
  __filename,
);
