// Stays TypeScript: the calls are placed by SIPp (XML scenarios, a child process); the check wires SIPp's UAC/UAS, ports and statistics, not SIP steps.
import { formatEndpoint } from 'sipconf';
import {
  type CheckContext,
  defineCheck,
  hasRegistrar,
  runSippStep,
  shippedScenario,
  sippAccount,
  startSippStep,
} from 'sipconf/check';
import { registerForSipp } from './sipp-bindings';

const RFC = ['RFC 3261 §13.2.2.4', 'RFC 3261 §16.6', 'RFC 3261 §16.7', 'RFC 3261 §12.1.2', 'RFC 3261 §15.1.1'];
const CALLS = 3;

export default defineCheck(
  {
    id: 'SIPP-INVITE-THROUGH-SUT',
    suite: 'sipp',
    title: `${CALLS} SIPp calls through the SUT complete end to end: INVITE, 100, 180, 200, ACK, BYE, 200`,
    rfc: RFC,
    severity: 'blocker',
    roles: ['proxy'],
    // The shipped caller's Request-URI carries no transport parameter, and a binding made over a connection routes
    // back over that connection: the callee leg is UDP. SIPP-OUTBOUND-CALL covers a call over TCP.
    transports: ['udp'],
    description:
      `A SIPp callee (scenarios/sipp/uas.xml) listens on a free loopback port; when the SUT has a registrar (and UDP) ` +
      `the harness registers SIPp's contact for a fresh user, otherwise the caller addresses SIPp directly and sends to the SUT ` +
      `(-rsa), which forwards by Request-URI (RFC 3261 §16.5). A SIPp caller (scenarios/sipp/invite-through-proxy-uac.xml) ` +
      `then places ${CALLS} calls through the SUT: INVITE → 100/180 → 200 (Record-Route and Contact kept, §12.1.2) ` +
      `→ ACK along the route set (§13.2.2.4) → BYE → 200 (§15.1.1). Both SIPp instances must count ${CALLS} ` +
      `successful calls; SIPp's statistics (calls, failures, retransmissions, response times) and logs of both sides ` +
      `are attached. Runs over UDP (SIPP-OUTBOUND-CALL covers a call over TCP).`,
    async run(ctx: CheckContext) {
      const transport = 'udp';
      const sut = ctx.sut.address!;
      const uas = await startSippStep(ctx, {
        label: 'sipp-uas',
        scenarioFile: shippedScenario('uas'),
        transport,
        calls: CALLS,
        // The callee's side: the ACK for its 2xx must arrive end to end (§13.2.2.4, §16.6), then the BYE (§15.1.2).
        rfc: ['RFC 3261 §13.2.2.4', 'RFC 3261 §16.6', 'RFC 3261 §13.3.1.4', 'RFC 3261 §15.1.2'],
      });
      let service: string;
      let target = formatEndpoint(sut);
      const extraArgs: string[] = [];
      // The harness registers SIPp's contact over UDP: a registration over a connection binds that connection (the
      // reference SUT, like Kamailio with connection reuse, sends the call back over it), and that connection would
      // be the harness's, not SIPp's.
      if (hasRegistrar(ctx)) {
        // The callee is reached through the SUT's location service (§10, §16.5), as a real one would be.
        service = sippAccount(ctx, 'sippuas').user;
        await registerForSipp(
          ctx,
          service,
          `sip:${service}@${formatEndpoint(uas.local)};transport=${transport}`,
          'udp',
        );
      } else {
        // The Request-URI names SIPp itself and every message is sent to the SUT (-rsa), which forwards it (§16.5).
        service = 'sipp-uas';
        target = formatEndpoint(uas.local);
        extraArgs.push('-rsa', formatEndpoint(sut));
      }
      await runSippStep(ctx, {
        label: 'sipp-uac',
        scenarioFile: shippedScenario('invite-through-proxy-uac'),
        target,
        transport,
        service,
        calls: CALLS,
        rate: 10,
        callLimit: 1,
        callLengthMs: 100,
        extraArgs,
        rfc: RFC,
      });
      await uas.finish();
    },
  },
  __filename,
);
