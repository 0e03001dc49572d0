// Stays TypeScript: the exchange is a SIPp XML scenario run as a child process; the check wires SIPp's arguments, account and statistics, not SIP steps.
import { join } from 'node:path';
import { type CheckContext, defineCheck, runSippStep, shippedScenario, sippAccount, sippRoute } from 'sipconf/check';
import { removeSippBinding } from './sipp-bindings';

const RFC = ['RFC 3261 §10.2', 'RFC 3261 §10.3', 'RFC 3261 §22.2'];

export default defineCheck(
  {
    id: 'SIPP-REGISTER',
    suite: 'sipp',
    title: 'SIPp registers a fresh user and the 200 OK lists its binding with an expiry',
    rfc: RFC,
    severity: 'critical',
    roles: ['proxy', 'registrar'],
    requires: ['registrar'],
    description:
      'SIPp (scenarios/sipp/register.xml, or scenarios/sipp-checks/register-digest.xml when the SUT profile has a ' +
      'password) sends REGISTER for a fresh user with Expires: 3600 to the SUT, answers a Digest challenge if one ' +
      'comes (RFC 3261 §22.2), and fails unless the 200 OK lists its own Contact with an expires parameter ' +
      '(RFC 3261 §10.3 step 8). The binding is removed afterwards. SIPp’s statistics, message trace and logs are ' +
      'attached.',
    async run(ctx: CheckContext) {
      const transport = ctx.defaultTransport();
      const account = sippAccount(ctx, 'sipp');
      const route = await sippRoute(ctx, account, transport);
      const r = await runSippStep(ctx, {
        label: 'sipp-register',
        scenarioFile: account.hasCredentials ? join(__dirname, 'register-digest.xml') : shippedScenario('register'),
        target: route.target,
        transport,
        service: account.user,
        calls: 1,
        extraArgs: route.extraArgs,
        rfc: RFC,
      });
      ctx.onCleanup(() =>
        removeSippBinding(
          ctx,
          account.user,
          `sip:${account.user}@${r.local.address}:${r.local.port};transport=${transport}`,
          transport,
        ),
      );
    },
  },
  __filename,
);
