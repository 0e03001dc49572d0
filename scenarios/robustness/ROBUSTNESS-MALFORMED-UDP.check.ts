// Stays TypeScript: generates hundreds of seeded mutations per run and probes liveness after each: a generator, not a ladder of exchanges YAML can state.
import { Trace } from 'sipconf';
import {
  baseFactory,
  type CheckContext,
  corpusMessages,
  defineCheck,
  generateMutations,
  RobustnessCase,
  runLivenessCases,
  seedOf,
} from 'sipconf/check';

const ID = 'ROBUSTNESS-MALFORMED-UDP';

export default defineCheck(
  {
    id: ID,
    suite: 'robustness',
    title: 'Malformed and torture requests over UDP never kill or wedge the SUT',
    rfc: ['RFC 3261 §16.3', 'RFC 3261 §8.2.2', 'RFC 3261 §18.3', 'RFC 3261 §21.4.1', 'RFC 4475 §3'],
    severity: 'blocker',
    roles: ['proxy', 'registrar', 'b2bua'],
    transports: ['udp'],
    description:
      'One datagram per case: 120 generated requests (seeded, PROTOS c07-sip style: overflowing fields, bad integers, ' +
      'broken quoting, bad %-escapes, NUL and high-bit bytes, CR/LF injection, missing and duplicated headers, ' +
      'Content-Length lies, 60 kB messages, bad start lines and line endings), then, when the shared corpus is present, ' +
      'every RFC 4475 / RFC 5118 torture message. After each case an OPTIONS to the SUT must get a final answer within ' +
      '16·T1 (at least 2 s). A case after which it does not fails the check, with its exact bytes attached for ' +
      '`sipconf replay`. A receiver answers a malformed request with 400 (§21.4.1) or drops it; it never dies of it.',
    async run(ctx: CheckContext) {
      // Hundreds of messages: kept out of the check's ladder and pcap; a failing case's bytes are attached instead.
      const trace = new Trace();
      const attacker = await ctx.agent('attacker', { listen: ['udp'], trace });
      const prober = await ctx.agent('alice', { listen: ['udp'], trace });
      const cases: RobustnessCase[] = generateMutations(baseFactory(ctx, attacker, 'udp'), {
        seed: seedOf(ID),
        count: 120,
        transport: 'udp',
      });
      for (const m of corpusMessages())
        cases.push({
          name: `corpus/${m.name}`,
          description: `${m.name} (${m.expected}) from the torture corpus`,
          bytes: m.bytes,
        });
      await ctx.step(`${cases.length} malformed requests, each followed by a liveness OPTIONS`, () =>
        runLivenessCases(ctx, cases, { transport: 'udp', attacker, prober }),
      );
    },
  },
  __filename,
);
