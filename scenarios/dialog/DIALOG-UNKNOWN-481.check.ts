// TypeScript: forges a request in a dialog that never existed (random Call-ID and tags), which the YAML steps cannot build.
import { type CheckContext, caller, defineCheck } from 'sipconf/check';

export default defineCheck(
  {
    id: 'DIALOG-UNKNOWN-481',
    suite: 'dialog',
    title: 'A BYE and a re-INVITE in a dialog the SUT does not know get 481',
    rfc: ['RFC 3261 §12.2.2', 'RFC 3261 §15.1.2', 'RFC 3261 §21.4.19'],
    severity: 'normal',
    roles: ['b2bua'],
    parties: ['alice'],
    description:
      'Alice sends the SUT a BYE, then a re-INVITE, each with a To tag, a Call-ID and a From tag that belong to no ' +
      'dialog. A UA core (a B2BUA is one on each leg) that matches no dialog must answer 481 Call/Transaction Does ' +
      'Not Exist (§12.2.2), and must not treat them as a new call.',
    async run(ctx: CheckContext) {
      const alice = await caller(ctx, 'alice');
      const sut = ctx.sutTarget();
      const uri = `sip:${ctx.sut.address!.address.includes(':') ? `[${ctx.sut.address!.address}]` : ctx.sut.address!.address}:${ctx.sut.address!.port}`;
      for (const method of ['BYE', 'INVITE']) {
        const req = alice.createRequest(method, uri, {
          toHeader: undefined,
          headers: [],
          ...(method === 'INVITE' ? {} : { contact: false as const }),
        });
        req.set('To', `<${uri}>;tag=no-such-dialog-${Date.now().toString(36)}`);
        const out = await ctx.step(`alice sends ${method} in an unknown dialog`, () => alice.send(req, sut));
        const r = await out
          .final({ within: '64*T1' })
          .catch(ctx.unmet((d) => `no final response to a ${method} in an unknown dialog: ${d} (RFC 3261 §12.2.2)`));
        ctx.assert(
          r.message.status === 481,
          `a ${method} in a dialog the SUT does not know got ${r.message.status} ${r.message.reason}, not 481 (RFC 3261 §12.2.2)`,
        );
      }
    },
  },
  __filename,
);
