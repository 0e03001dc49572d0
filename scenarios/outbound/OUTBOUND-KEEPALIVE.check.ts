import { type CheckContext, defineCheck, registerFlows } from 'sipconf/check';

export default defineCheck(
  {
    id: 'OUTBOUND-KEEPALIVE',
    suite: 'outbound',
    title: 'A CRLF ping on the flow gets a CRLF pong',
    rfc: ['RFC 5626 §3.5.1', 'RFC 5626 §4.4.1', 'RFC 5626 §5.4'],
    severity: 'critical',
    roles: ['proxy', 'registrar'],
    requires: ['outbound'],
    transports: ['tcp', 'tls'],
    description:
      'After registering a flow, Bob sends a double CRLF ("ping") on it. The edge proxy must answer with a single CRLF ' +
      '("pong") so the UA can tell the flow is alive (§3.5.1); without it every outbound UA declares the flow dead.',
    async run(ctx: CheckContext) {
      const ua = await registerFlows(ctx, 'bob', [1]);
      const flow = ua.flows.get(1)!;
      const bound = Math.max(2000, 10 * ctx.timers.t1);
      await ctx.step('bob sends CRLFCRLF on the flow and waits for CRLF', async () => {
        await flow.ping();
        const pong = await ua.agent
          .expectFlowEvent('pong', { flow, within: bound })
          .catch(() =>
            ctx.fail(`no CRLF pong on flow ${flow.id} within ${bound} ms after a CRLF ping (RFC 5626 §3.5.1, §4.4.1)`),
          );
        if (pong.kind === 'pong') ctx.note(`pong after ${pong.rttMs.toFixed(1)} ms`);
      });
      await ctx.step('a second ping is answered too', async () => {
        await flow.ping();
        await ua.agent
          .expectFlowEvent('pong', { flow, within: bound })
          .catch(() => ctx.fail(`the second CRLF ping on ${flow.id} got no pong within ${bound} ms (RFC 5626 §3.5.1)`));
      });
    },
  },
  __filename,
);
