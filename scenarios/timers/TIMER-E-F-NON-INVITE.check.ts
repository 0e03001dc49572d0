// TypeScript, not YAML: it measures intervals between the SUT's retransmissions at the harness's receive times.
import { type CheckContext, arrivalsAt, assertRetransmitIntervals, defineCheck, reachableParty } from 'sipconf/check';

export default defineCheck(
  {
    id: 'TIMER-E-F-NON-INVITE',
    suite: 'timers',
    title:
      'MESSAGE to a silent callee: retransmitted doubling up to T2 (Timer E); the caller gets 408 at 64·T1 (Timer F)',
    rfc: ['RFC 3261 §17.1.2.2', 'RFC 3261 §16.7', 'RFC 3261 §16.8'],
    severity: 'normal',
    roles: ['proxy'],
    parties: ['alice', 'bob'],
    transports: ['udp'],
    description:
      'Bob registers and never answers. Over UDP the proxy’s non-INVITE client transaction must retransmit the ' +
      'MESSAGE to bob after T1, 2·T1, 4·T1 … capped at T2 (Timer E, §17.1.2.2), measured at bob’s receive times ' +
      'each copy within 25 % of its interval or 100 ms; when Timer F (64·T1) fires the branch counts as 408 and alice gets 408 (§16.7 step ' +
      '6) about 64·T1 after the MESSAGE reached bob (within 10 % or 300 ms).',
    async run(ctx: CheckContext) {
      const { t1, t2 } = ctx.timers;
      // the SUT's configured limit when its profile states one (Kamailio's tm fr_timer), else the RFC's 64·T1
      const timeoutF = ctx.sut.timeouts?.timerF ?? 64 * t1;
      const limit = ctx.sut.timeouts?.timerF !== undefined ? `the profile's Timer F` : '64·T1';
      const bob = await reachableParty(ctx, 'bob', 'udp');
      // alice's own Timer F must outlast the SUT's, so her T1 is twice the SUT's.
      const alice = await ctx.agent('alice', { listen: ['udp'], timers: { ...ctx.timers, t1: 2 * t1 } });
      const req = alice.createRequest('MESSAGE', bob.uri, { transport: 'udp' });
      req.setBody('sipconf timer check', 'text/plain');
      const out = await ctx.step('alice sends MESSAGE to bob through the SUT', () =>
        alice.send(req, ctx.sutTarget('udp')),
      );
      const msg = await ctx.step('bob receives the MESSAGE and stays silent', () =>
        bob.agent
          .expect('MESSAGE', { within: ctx.ms('64*T1') })
          .catch(ctx.unmet(() => 'no MESSAGE reached bob through the SUT (RFC 3261 §16.6)')),
      );
      const final = await ctx.step('alice gets a final response', () =>
        out
          .final({ within: timeoutF + timeoutF / 2 })
          .catch(
            ctx.unmet(
              () =>
                `no final response reached alice within 1.5 × ${limit} = ${timeoutF * 1.5} ms after the MESSAGE reached a ` +
                'silent bob: the proxy must give up at Timer F and send 408 (RFC 3261 §17.1.2.2, §16.7 step 6)',
            ),
          ),
      );
      const after = Math.round(final.at - msg.at);
      // RFC 5626 §5.3, §7: behind an edge proxy (Path) a silent flow is a failed flow, answered with the profile's
      // status for a callee whose every flow failed.
      const flowFailed = ctx.sut.capabilities.includes('path') ? ctx.sut.allFlowsFailedStatus : undefined;
      if (flowFailed !== undefined && final.message.status === flowFailed)
        ctx.note(`the SUT answered ${flowFailed} (every flow of the callee failed, RFC 5626 §7) rather than 408`);
      ctx.assert(
        final.message.status === 408 || final.message.status === flowFailed,
        `alice got ${final.message.status} ${final.message.reason} after a silent callee; a branch whose Timer F ` +
          'fired counts as 408 Request Timeout, the best (only) response to forward (RFC 3261 §16.8, §16.7 step 6)',
      );
      ctx.assert(
        Math.abs(after - timeoutF) <= Math.max(300, timeoutF / 10),
        `the 408 reached alice ${after} ms after the MESSAGE reached bob; Timer F fires at ${limit} = ${timeoutF} ms ` +
          '(within 10 % or 300 ms) (RFC 3261 §17.1.2.2)',
      );
      const times = arrivalsAt(ctx, bob.agent.name, 'MESSAGE', msg.request.topVia.branch ?? '');
      assertRetransmitIntervals(ctx, times, {
        what: 'the MESSAGE to bob',
        t1,
        cap: t2,
        minRetransmits: Math.min(4, Math.floor(Math.log2(timeoutF / t1))),
        rfc: 'RFC 3261 §17.1.2.2 (Timer E)',
      });
    },
  },
  __filename,
);
