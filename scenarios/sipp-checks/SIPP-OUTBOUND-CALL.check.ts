// Stays TypeScript: the callee is SIPp registered over an outbound TCP flow (XML scenario, a child process); the check wires SIPp, not SIP steps.
import { join } from 'node:path';
import {
  type CheckContext,
  defineCheck,
  runSippStep,
  shippedScenario,
  sippAccount,
  sippRoute,
  startSippStep,
} from 'sipconf/check';
import { waitForSippBinding } from './sipp-bindings';

const RFC = ['RFC 5626 §5.3', 'RFC 5626 §6', 'RFC 5626 §4.2.1', 'RFC 3261 §16.6'];

export default defineCheck(
  {
    id: 'SIPP-OUTBOUND-CALL',
    suite: 'sipp',
    title: 'A call to a SIPp registered over an RFC 5626 outbound TCP flow arrives on that same connection',
    rfc: RFC,
    severity: 'critical',
    roles: ['proxy'],
    requires: ['registrar', 'outbound'],
    transports: ['tcp'],
    description:
      'SIPp (scenarios/sipp-checks/outbound-register-digest-uas.xml, or scenarios/sipp/outbound-register-uas.xml ' +
      'when the SUT profile has no password) registers a fresh user over one TCP connection with Supported: outbound, ' +
      '+sip.instance, reg-id=1 and ;ob (RFC 5626 §4.2.1), and requires Require: outbound in the 200 (§6). Once the ' +
      'SUT lists the binding, a SIPp caller (scenarios/sipp/invite-through-proxy-uac.xml) calls that user through the ' +
      'SUT. The INVITE must reach the callee over its registered connection (§5.3) — SIPp keeps a single connection ' +
      '(-t t1) and answers it with scenarios/sipp/outbound-answer-ooc.xml — and the call must complete (INVITE, 200, ' +
      'ACK, BYE, 200); the callee then removes its binding. Statistics and logs of both SIPp runs are attached.',
    async run(ctx: CheckContext) {
      const account = sippAccount(ctx, 'sippob');
      const route = await sippRoute(ctx, account, 'tcp');
      const callee = await startSippStep(ctx, {
        label: 'sipp-outbound-uas',
        scenarioFile: account.hasCredentials
          ? join(__dirname, 'outbound-register-digest-uas.xml')
          : shippedScenario('outbound-register-uas'),
        oocScenarioFile: shippedScenario('outbound-answer-ooc'),
        transport: 't1',
        target: route.target,
        service: account.user,
        calls: 1,
        extraArgs: route.extraArgs,
        rfc: RFC,
      });
      const bound = await waitForSippBinding(
        ctx,
        account.user,
        (contact) => contact.includes(`:${callee.local.port}`) && /;ob\b/.test(contact),
        () => callee.ended,
      );
      if (bound === undefined) {
        // SIPp's registration failed: its verdict (and the SUT's answer in its message trace) fails the check.
        await callee.finish();
        ctx.fail(`SIPp's outbound registration of ${account.user} ended before the SUT listed it (RFC 5626 §6)`);
      }
      const callerTransport = ctx.sut.transports.includes('udp') ? 'udp' : 'tcp';
      await runSippStep(ctx, {
        label: 'sipp-caller',
        scenarioFile: shippedScenario('invite-through-proxy-uac'),
        target: route.target,
        transport: callerTransport,
        service: account.user,
        calls: 1,
        callLengthMs: 100,
        rfc: RFC,
      });
      await callee.finish();
    },
  },
  __filename,
);
