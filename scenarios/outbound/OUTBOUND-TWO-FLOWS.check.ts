import { boundRegIds, type CheckContext, defineCheck, registerFlows } from 'sipconf/check';

export default defineCheck(
  {
    id: 'OUTBOUND-TWO-FLOWS',
    suite: 'outbound',
    title: 'reg-id 1 and 2 of one instance are both bound',
    rfc: ['RFC 5626 §4.2', 'RFC 5626 §6'],
    severity: 'critical',
    roles: ['proxy', 'registrar'],
    requires: ['outbound'],
    transports: ['tcp', 'tls'],
    description:
      'One UA instance registers two flows (reg-id 1 and 2, each its own TCP connection and Call-ID). Bindings are keyed ' +
      'by AOR, instance and reg-id (§6), so the second registration adds a binding: the 200 lists both.',
    async run(ctx: CheckContext) {
      const ua = await registerFlows(ctx, 'bob', [1, 2]);
      await ctx.step('the second 200 lists both flows of the instance', async () => {
        const res = ua.responses.get(2)!;
        const ids = boundRegIds(res, ua.registrant.instance!);
        ctx.assert(
          ids.includes(1) && ids.includes(2),
          `the 200 to reg-id 2 lists reg-ids [${ids.join(', ')}] of instance <${ua.registrant.instance}>, expected 1 and 2 (RFC 5626 §6: bindings keyed by instance and reg-id); Contacts: ${res.getAll('contact').join(', ')}`,
        );
        ctx.assert(
          ids.length === 2,
          `the 200 lists ${ids.length} bindings for the instance, expected exactly 2 (RFC 5626 §6)`,
        );
      });
    },
  },
  __filename,
);
