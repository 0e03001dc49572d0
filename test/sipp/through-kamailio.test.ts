/**
 * The shipped scenarios against a real proxy/registrar (Kamailio 5.6, Debian package kamailio): register.xml
 * binds bob's Contact, uas.xml answers on that Contact, invite-through-proxy-uac.xml calls bob through the proxy,
 * and the ACK and BYE follow the Record-Route (RFC 3261 §16.6 step 4, §12.1.2, §13.2.2.4). Then carol registers
 * over TCP with outbound (outbound-register-uas.xml) and the call to her AOR reaches her over that flow.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeFreePort, runSipp, shippedScenario, startSipp } from '../../src/sipp';
import { startKamailio, type Kamailio } from './support/kamailio';
import { liveGroupMembers, liveProcessesMentioning } from './support/process-group';

let base: string;
let kamailio: Kamailio;
beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'sipconf-sipp-kam-'));
  kamailio = await startKamailio(join(__dirname, 'fixtures', 'kamailio-proxy.cfg'), join(base, 'kamailio'));
});
afterAll(async () => {
  await kamailio?.stop();
  const leftovers = liveProcessesMentioning(base);
  const group = kamailio ? liveGroupMembers(kamailio.pid) : [];
  rmSync(base, { recursive: true, force: true });
  expect(leftovers).toEqual([]);
  expect(group).toEqual([]);
});

test('REGISTER bob, then INVITE bob through Kamailio: 200, ACK and BYE routed via the Record-Route; every SIPp run passes', async () => {
  const bobPort = await probeFreePort('127.0.0.1');
  const reg = await runSipp({
    scenarioFile: shippedScenario('register'),
    target: kamailio.endpoint,
    service: 'bob',
    localPort: bobPort,
    calls: 1,
    hardTimeoutMs: 10_000,
    runDir: join(base, 'register'),
    traceLogs: true,
  });
  expect(reg.verdict.message).toBe('all calls succeeded (1 of 1 calls succeeded, 0 failed)');
  expect(reg.logs.find((l) => l.name === 'actions.log')?.content).toMatch(
    new RegExp(`binding bob@127\\.0\\.0\\.1:${bobPort} expires \\d+`),
  );

  const bob = startSipp({
    scenarioFile: shippedScenario('uas'),
    localPort: bobPort,
    calls: 1,
    hardTimeoutMs: 15_000,
    runDir: join(base, 'bob'),
    traceMessages: true,
  });
  await bob.ready;
  const alice = await runSipp({
    scenarioFile: shippedScenario('invite-through-proxy-uac'),
    target: kamailio.endpoint,
    service: 'bob',
    calls: 1,
    hardTimeoutMs: 15_000,
    runDir: join(base, 'alice'),
    traceMessages: true,
  });
  const callee = await bob.result;
  expect(alice.verdict.status).toBe('passed');
  expect(callee.verdict.status).toBe('passed');
  expect(alice.stats?.calls.successful).toBe(1);

  const k = kamailio.endpoint;
  const rr = new RegExp(`^Record-Route: <sip:127\\.0\\.0\\.1:${k.port};lr[^>]*>`, 'm');
  const aliceMsgs = alice.logs.find((l) => l.name === 'messages.log')!.content;
  const bobMsgs = callee.logs.find((l) => l.name === 'messages.log')!.content;
  // The proxy inserted itself (RFC 3261 §16.6 step 4), and bob echoed the Record-Route in his 200 (§12.1.1).
  expect(bobMsgs).toMatch(rr);
  expect(aliceMsgs).toMatch(rr);
  // Alice's ACK and BYE: Request-URI = bob's Contact, Route = the proxy (§12.2.1.1, loose routing).
  const ack = /^ACK (\S+) SIP\/2\.0[\s\S]*?\n\n/m.exec(aliceMsgs)?.[0] ?? '';
  const bye = /^BYE (\S+) SIP\/2\.0[\s\S]*?\n\n/m.exec(aliceMsgs)?.[0] ?? '';
  for (const req of [ack, bye]) {
    expect(req).toMatch(new RegExp(`^(ACK|BYE) sip:127\\.0\\.0\\.1:${bobPort};transport=UDP SIP/2\\.0`));
    expect(req).toMatch(new RegExp(`^Route: <sip:127\\.0\\.0\\.1:${k.port};lr[^>]*>`, 'm'));
  }
  // Bob received them through the proxy: its Via is on top.
  expect(bobMsgs).toMatch(
    new RegExp(
      `^ACK sip:127\\.0\\.0\\.1:${bobPort};transport=UDP SIP/2\\.0\\s*\\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${k.port};branch=`,
      'm',
    ),
  );
  expect(bobMsgs).toMatch(
    new RegExp(
      `^BYE sip:127\\.0\\.0\\.1:${bobPort};transport=UDP SIP/2\\.0\\s*\\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${k.port};branch=`,
      'm',
    ),
  );
});

/** Polls a file until it matches, within a bound. */
async function fileMatches(path: string, re: RegExp, within: number): Promise<boolean> {
  const deadline = Date.now() + within;
  while (Date.now() < deadline) {
    if (existsSync(path) && re.test(readFileSync(path, 'utf8'))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

test('carol REGISTERs over TCP with outbound (Require: outbound in the 200), and a call to her AOR arrives over that flow and completes (RFC 5626 §5.2, §5.3, §6)', async () => {
  const carolDir = join(base, 'carol');
  const carol = startSipp({
    scenarioFile: shippedScenario('outbound-register-uas'),
    oocScenarioFile: shippedScenario('outbound-answer-ooc'),
    transport: 'tcp',
    target: kamailio.endpoint,
    service: 'carol',
    calls: 1,
    hardTimeoutMs: 20_000,
    runDir: carolDir,
    traceMessages: true,
  });
  await carol.ready;
  // The 200 to the REGISTER is in carol's message trace once the binding exists.
  expect(await fileMatches(join(carolDir, 'messages.log'), /^Require: outbound/m, 5000)).toBe(true);
  const caller = await runSipp({
    scenarioFile: shippedScenario('invite-through-proxy-uac'),
    target: kamailio.endpoint,
    service: 'carol',
    calls: 1,
    hardTimeoutMs: 15_000,
    runDir: join(base, 'caller'),
  });
  const callee = await carol.result;
  expect(caller.verdict.status).toBe('passed');
  expect(callee.verdict.status).toBe('passed');
  expect(callee.errors).toContain('Received out-of-call INVITE message, using the out-of-call scenario');
  const msgs = callee.logs.find((l) => l.name === 'messages.log')!.content;
  expect(msgs).toMatch(/^INVITE sip:carol@127\.0\.0\.1:\d+;transport=TCP;ob SIP\/2\.0/m);
  expect(msgs).toMatch(/^BYE sip:carol@/m);
  // The binding was removed at the end (Expires: 0 answered 200).
  expect(msgs.match(/^REGISTER /gm)).toHaveLength(2);
});
