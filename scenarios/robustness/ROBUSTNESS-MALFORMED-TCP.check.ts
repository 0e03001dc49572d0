// Stays TypeScript: generates seeded mutations sent as raw bytes on TCP and probes liveness after each: a generator, not a ladder YAML can state.
import { Trace } from 'sipconf';
import {
  baseFactory,
  type CheckContext,
  defineCheck,
  generateMutations,
  runLivenessCases,
  seedOf,
} from 'sipconf/check';

const ID = 'ROBUSTNESS-MALFORMED-TCP';

export default defineCheck(
  {
    id: ID,
    suite: 'robustness',
    title: 'Malformed requests over TCP, one connection each, never kill or wedge the SUT',
    rfc: ['RFC 3261 §18.3', 'RFC 3261 §16.3', 'RFC 3261 §8.2.2', 'RFC 3261 §21.4.1', 'RFC 4475 §3'],
    severity: 'blocker',
    roles: ['proxy', 'registrar', 'b2bua'],
    transports: ['tcp'],
    description:
      'Each of 80 generated malformed requests (seeded) goes on a new TCP connection — including Content-Length lies ' +
      'that leave the SUT waiting for a body, a body without Content-Length (§18.3: mandatory on streams) and 200 kB ' +
      'headers and bodies. While the case connection is still open, an OPTIONS on another connection must be answered ' +
      'within 16·T1 (at least 2 s). The SUT may answer 400 or close the offending connection; it must keep serving others.',
    async run(ctx: CheckContext) {
      // Hundreds of messages: kept out of the check's ladder and pcap; a failing case's bytes are attached instead.
      const trace = new Trace();
      const attacker = await ctx.agent('attacker', { listen: ['tcp'], trace });
      const prober = await ctx.agent('alice', { listen: ['tcp'], trace });
      const cases = generateMutations(baseFactory(ctx, attacker, 'tcp'), {
        seed: seedOf(ID),
        count: 80,
        transport: 'tcp',
      });
      await ctx.step(
        `${cases.length} malformed requests on fresh connections, each followed by a liveness OPTIONS`,
        () => runLivenessCases(ctx, cases, { transport: 'tcp', attacker, prober }),
      );
    },
  },
  __filename,
);
