// Stays TypeScript: sends one OPTIONS as raw bytes many times outside any transaction and compares every answer; YAML sends only requests in transactions.
import { type SipResponse, Trace } from 'sipconf';
import {
  baseFactory,
  type CheckContext,
  defineCheck,
  livenessBound,
  probeLiveness,
  serializeRaw,
  sutUri,
} from 'sipconf/check';

const COPIES = 200;

export default defineCheck(
  {
    id: 'ROBUSTNESS-LIVENESS-RETRANSMIT-FLOOD',
    suite: 'robustness',
    title: 'A flood of retransmissions of one request is absorbed by one server transaction',
    rfc: ['RFC 3261 §17.2.2', 'RFC 3261 §17.2.3', 'RFC 3261 §8.2.6.2', 'RFC 3261 §18.3'],
    severity: 'critical',
    roles: ['proxy', 'registrar', 'b2bua'],
    transports: ['udp'],
    description:
      `The same OPTIONS datagram (one branch) is sent ${COPIES} times back to back. They are retransmissions of one ` +
      'request: one server transaction absorbs them (§17.2.3 matching by branch) and re-sends its last response ' +
      '(§17.2.2), so every answer carries the same status and the same To tag (§8.2.6.2), no request gets more than one ' +
      'answer, and the SUT still answers a new OPTIONS within 16·T1 afterwards.',
    async run(ctx: CheckContext) {
      const trace = new Trace();
      const attacker = await ctx.agent('attacker', { listen: ['udp'], trace });
      const prober = await ctx.agent('alice', { listen: ['udp'] });
      const { base, branch } = baseFactory(ctx, attacker, 'udp')('OPTIONS');
      const bytes = serializeRaw(base);
      await ctx.step(`${COPIES} copies of one OPTIONS, back to back`, async () => {
        for (let i = 0; i < COPIES; i++) await attacker.sendRaw(bytes, ctx.sutTarget('udp'));
      });
      const answers = await ctx.step('the answers carry one status and one To tag', async () => {
        await ctx.expectFromSut(
          attacker.strayResponses.expect(
            (r) => r.message.topVia.branch === branch && r.message.status >= 200,
            livenessBound(ctx),
            'a final answer to the flooded OPTIONS',
          ),
          (d) => `no final answer to ${COPIES} copies of an OPTIONS: ${d} (RFC 3261 §17.2.2)`,
        );
        // Let the re-sent answers arrive (the SUT answers each copy as it comes in).
        await new Promise((r) => setTimeout(r, Math.max(500, 4 * ctx.timers.t1)));
        const all = attacker.strayResponses
          .all()
          .map((r) => r.message as SipResponse)
          .filter((m) => m.topVia.branch === branch && m.status >= 200);
        const statuses = new Set(all.map((m) => m.status));
        const tags = new Set(all.map((m) => m.to.tag ?? '(none)'));
        ctx.note(
          `${all.length} final answers to ${COPIES} copies; statuses ${[...statuses].join(', ')}; To tags ${[...tags].join(', ')}`,
        );
        ctx.assert(
          statuses.size === 1,
          `the retransmissions got different statuses ${[...statuses].join(', ')}: one server transaction re-sends its last response (RFC 3261 §17.2.2)`,
        );
        ctx.assert(
          tags.size === 1,
          `the retransmissions got answers with ${tags.size} different To tags (${[...tags].join(', ')}): they were handled as new requests, not absorbed by one transaction (RFC 3261 §17.2.3, §8.2.6.2)`,
        );
        ctx.assert(
          all.length <= COPIES,
          `${all.length} final answers to ${COPIES} copies: more than one answer per received request (RFC 3261 §17.2.2)`,
        );
        return all.length;
      });
      await ctx.step('the SUT still answers a new OPTIONS', async () => {
        const live = await probeLiveness(prober, ctx.sutTarget('udp'), sutUri(ctx, 'udp'), livenessBound(ctx));
        ctx.assert(
          live.ok,
          `after the flood (${answers} answers) the SUT did not answer a new OPTIONS: ${live.ok ? '' : live.reason} (RFC 3261 §17.2.2)`,
        );
      });
    },
  },
  __filename,
);
