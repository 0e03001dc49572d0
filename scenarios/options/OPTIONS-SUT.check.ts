// TypeScript, not YAML: the Request-URI is the SUT's own address with its port, which YAML's `uri:` cannot name.
import { formatEndpoint } from 'sipconf';
import { caller, type CheckContext, defineCheck } from 'sipconf/check';

export default defineCheck(
  {
    id: 'OPTIONS-SUT',
    suite: 'options',
    title: 'OPTIONS addressed to the SUT itself is answered 200 with Allow, within 64·T1',
    rfc: ['RFC 3261 §11.2', 'RFC 3261 §11', 'RFC 3261 §17.1.2.2'],
    // The one proxy purpose citing §11 alone as mandatory: a proxy answers OPTIONS addressed to it.
    etsi: ['SIP_QC_PR_V_001'],
    severity: 'normal',
    roles: ['proxy', 'registrar', 'b2bua'],
    parties: ['alice'],
    description:
      'Alice sends OPTIONS to the SUT\'s own address (no user part), as load balancers and PBX "qualify" do. The SUT ' +
      'must answer before the client transaction times out (64·T1), with 200 OK listing the methods it supports in ' +
      'Allow; Accept and Supported are reported when present.',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const uri = `sip:${formatEndpoint(ctx.sut.address!)}`;
      const sentAt = Date.now();
      const out = await ctx.step(`alice sends OPTIONS ${uri}`, () =>
        alice.send(alice.createRequest('OPTIONS', uri, { headers: [['Accept', 'application/sdp']] }), ctx.sutTarget()),
      );
      await ctx.step('the SUT answers 200 with Allow', async () => {
        const r = await ctx.expectFromSut(
          out.final({ within: '64*T1' }),
          (d) => `no final response to OPTIONS: ${d} (RFC 3261 §11.2)`,
        );
        const res = r.message;
        ctx.note(`answered in ${Date.now() - sentAt} ms`);
        ctx.assert(
          res.status === 200,
          `OPTIONS to the SUT got ${res.status} ${res.reason}, expected 200 (RFC 3261 §11.2)`,
        );
        ctx.assert(
          res.getAll('allow').length > 0,
          'the 200 to OPTIONS carries no Allow header: RFC 3261 §11.2 says it SHOULD list the methods the SUT supports',
        );
        for (const h of ['Accept', 'Supported', 'Allow-Events'])
          if (res.has(h)) ctx.note(`${h}: ${res.getAll(h).join(', ')}`);
      });
    },
  },
  __filename,
);
