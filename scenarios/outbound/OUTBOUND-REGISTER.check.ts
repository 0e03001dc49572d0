import { boundRegIds, type CheckContext, defineCheck, registerFlows } from 'sipconf/check';

export default defineCheck(
  {
    id: 'OUTBOUND-REGISTER',
    suite: 'outbound',
    title: 'An outbound REGISTER over TCP gets 200 with Require: outbound and the binding echoed',
    rfc: ['RFC 5626 §6', 'RFC 5626 §4.2', 'RFC 3261 §10.3'],
    severity: 'blocker',
    roles: ['proxy', 'registrar'],
    requires: ['outbound'],
    transports: ['tcp', 'tls'],
    description:
      'Bob registers over TCP with Supported: outbound, +sip.instance and reg-id 1. A registrar that applies RFC 5626 ' +
      'answers 200 with Require: outbound (§6) and lists the binding with its +sip.instance and reg-id.',
    async run(ctx: CheckContext) {
      const ua = await registerFlows(ctx, 'bob', [1]);
      const res = ua.responses.get(1)!;
      await ctx.step('the 200 says the registrar used outbound and lists the flow’s binding', async () => {
        ctx.assert(
          res.optionTags('require').includes('outbound'),
          `the 200 to an outbound REGISTER has no "Require: outbound" (Require: ${res.get('require') ?? 'absent'}) (RFC 5626 §6)`,
        );
        const ids = boundRegIds(res, ua.registrant.instance!);
        ctx.assert(
          ids.includes(1),
          `the 200 lists no Contact with +sip.instance "<${ua.registrant.instance}>" and reg-id 1; Contacts: ${res.getAll('contact').join(', ') || 'none'} (RFC 5626 §6, RFC 3261 §10.3 step 8)`,
        );
        if (res.has('flow-timer')) ctx.note(`Flow-Timer: ${res.get('flow-timer')} s (RFC 5626 §4.4.1)`);
      });
    },
  },
  __filename,
);
