// Stays TypeScript: writes half a message on raw TCP connections and completes it later; YAML has no byte-level sends.
import { type Endpoint, type Flow, TransportError } from 'sipconf';
import {
  baseFactory,
  type CheckContext,
  defineCheck,
  livenessBound,
  probeLiveness,
  serializeRaw,
  sutUri,
} from 'sipconf/check';

const CONNECTIONS = 16;

export default defineCheck(
  {
    id: 'ROBUSTNESS-LIVENESS-TCP-PARTIAL',
    suite: 'robustness',
    title: 'Connections holding half a message do not stop the SUT serving others; the halves join up',
    rfc: ['RFC 3261 §18.3', 'RFC 3261 §18.2.1', 'RFC 3261 §26.1.5'],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    transports: ['tcp'],
    description:
      `${CONNECTIONS} TCP connections each send the first half of an OPTIONS and stall (a slow or malicious peer, ` +
      '§26.1.5). While they hang, an OPTIONS on a new connection must be answered within 16·T1. Then every stalled ' +
      'connection sends the rest of its message: the SUT frames each by its Content-Length across the pause (§18.3) ' +
      'and answers each of them on its own connection (§18.2.2).',
    async run(ctx: CheckContext) {
      const attacker = await ctx.agent('attacker', { listen: ['tcp'] });
      const prober = await ctx.agent('alice', { listen: ['tcp'] });
      const make = baseFactory(ctx, attacker, 'tcp');
      const remote = (ctx.sutTarget('tcp') as { remote: Endpoint }).remote;
      const held: Array<{ flow: Flow; rest: Buffer; branch: string }> = [];
      await ctx.step(`${CONNECTIONS} connections send half an OPTIONS and stall`, async () => {
        for (let i = 0; i < CONNECTIONS; i++) {
          const { base, branch } = make('OPTIONS');
          const bytes = serializeRaw(base);
          const cut = Math.floor(bytes.length / 2);
          const flow = await attacker.transport.flowTo(remote, 'tcp', { forceNew: true });
          await flow.send(bytes.subarray(0, cut), 'garbage');
          held.push({ flow, rest: bytes.subarray(cut), branch });
        }
      });
      await ctx.step('an OPTIONS on a new connection is answered meanwhile', async () => {
        const live = await probeLiveness(prober, ctx.sutTarget('tcp'), sutUri(ctx, 'tcp'), livenessBound(ctx));
        ctx.assert(
          live.ok,
          `with ${CONNECTIONS} connections holding half a message the SUT did not answer an OPTIONS on another connection: ${live.ok ? '' : live.reason} (RFC 3261 §18.3, §26.1.5)`,
        );
      });
      await ctx.step('the stalled connections send the rest; each message is answered on its connection', async () => {
        for (const h of held) {
          try {
            await h.flow.send(h.rest, 'garbage');
          } catch (e) {
            // Only the SUT closing the connection is its fault; anything else is the harness's (broken).
            if (e instanceof TransportError)
              ctx.fail(`the SUT closed a connection that held half a message: ${e.message} (RFC 3261 §18.3)`);
            throw e;
          }
        }
        for (const h of held) {
          const r = await ctx.expectFromSut(
            attacker.strayResponses.expect(
              (x) => x.message.status >= 200 && x.message.topVia.branch === h.branch,
              livenessBound(ctx),
              `the answer to the completed OPTIONS on ${h.flow.id}`,
            ),
            (d) => `an OPTIONS sent in two halves was not answered: ${d} (RFC 3261 §18.3: framing by Content-Length)`,
          );
          ctx.assert(
            r.flow.id === h.flow.id,
            `the answer came on ${r.flow.id}, not on the connection of the request ${h.flow.id} (RFC 3261 §18.2.2)`,
          );
        }
      });
    },
  },
  __filename,
);
