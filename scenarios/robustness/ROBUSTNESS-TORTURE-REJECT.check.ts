// Stays TypeScript: loops over the RFC 4475 torture corpus with a verdict per case (400-class or silence); YAML states exchanges, not a corpus loop.
import {
  attachCase,
  baseFactory,
  type CheckContext,
  defineCheck,
  describeAllowed,
  livenessBound,
  probeLiveness,
  rejectCases,
  runRejectCases,
  sutUri,
} from 'sipconf/check';

export default defineCheck(
  {
    id: 'ROBUSTNESS-TORTURE-REJECT',
    suite: 'robustness',
    title: 'Requests a receiver must reject get a 400-class answer (or silence where the RFC allows it)',
    rfc: [
      'RFC 4475 §3.1.2',
      'RFC 4475 §3.3',
      'RFC 3261 §8.2.2',
      'RFC 3261 §16.3',
      'RFC 3261 §18.3',
      'RFC 3261 §21.4.1',
    ],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    description:
      'OPTIONS requests addressed to the SUT itself, each broken in one way RFC 4475 describes: negative, overflowing ' +
      'or duplicated Content-Length, CSeq overflow, Max-Forwards 300, an unbalanced quote, <> around the Request-URI, ' +
      'bad spacing on the request line, SIP/7.0 (505), CSeq method mismatches, missing To/From/Call-ID/CSeq, ' +
      'repeated single-value headers (400), an unknown URI scheme (416) and an unknown Require tag (420). Each must ' +
      'get a final answer of the allowed class; silence conforms only where the message is too broken to answer. ' +
      'Over UDP when the SUT offers it (a Content-Length beyond the datagram is a UDP case, §18.3).',
    async run(ctx: CheckContext) {
      const transport = ctx.sut.transports.includes('udp') ? 'udp' : 'tcp';
      const attacker = await ctx.agent('attacker', { listen: [transport] });
      const prober = await ctx.agent('alice', { listen: [transport] });
      const cases = rejectCases(baseFactory(ctx, attacker, transport), sutUri(ctx, transport)).filter(
        (c) => transport === 'udp' || !c.udpOnly,
      );
      const windowMs = Math.max(1000, 8 * ctx.timers.t1);
      const verdicts = await ctx.step(
        `${cases.length} requests that must be rejected, answers collected for ${windowMs} ms`,
        () => runRejectCases(ctx, cases, { transport, attacker, windowMs }),
      );
      for (const v of verdicts)
        ctx.note(`${v.ok ? 'ok  ' : 'FAIL'} ${v.c.name} (${v.c.rfc}): ${v.detail}; allowed ${describeAllowed(v.c)}`);
      await ctx.step('the SUT still answers OPTIONS', async () => {
        const live = await probeLiveness(prober, ctx.sutTarget(transport), sutUri(ctx, transport), livenessBound(ctx));
        if (!live.ok) {
          for (const v of verdicts) attachCase(ctx, v.index, v.c, transport);
          ctx.fail(
            `the SUT stopped answering OPTIONS after the reject cases (${live.reason}); all cases are attached (RFC 3261 §16.3, RFC 4475 §3)`,
          );
        }
      });
      await ctx.step('every case got an allowed answer', async () => {
        const bad = verdicts.filter((v) => !v.ok);
        for (const v of bad) attachCase(ctx, v.index, v.c, transport);
        ctx.assert(
          bad.length === 0,
          `${bad.length} of ${verdicts.length} requests that must be rejected were not: ` +
            bad.map((v) => `${v.c.name} got ${v.detail}, expected ${describeAllowed(v.c)} (${v.c.rfc})`).join('; '),
        );
      });
    },
  },
  __filename,
);
