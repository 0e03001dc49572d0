/**
 * runSipp / startSipp against real SIPp processes on 127.0.0.1 ephemeral ports. SIPp missing is a failure here
 * (locateSipp throws, naming the package sip-tester), never a skip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeFreePort, runSipp, startSipp, shippedScenario } from '../../src/sipp';
import { startUdpRegistrar } from './support/udp-registrar';
import { startTcpOutboundEdge } from './support/tcp-outbound-edge';
import { liveGroupMembers, liveProcessesMentioning } from './support/process-group';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sipconf-sipp-test-'));
});
afterAll(() => {
  // No SIPp may outlive its test: nothing running from this file's run directories.
  const leftovers = liveProcessesMentioning(base);
  rmSync(base, { recursive: true, force: true });
  expect(leftovers).toEqual([]);
});
let n = 0;
const runDir = (name: string): string => join(base, `${++n}-${name}`);

/**
 * Whether the process group is gone within 2 s: a SIGKILL sent to a group is delivered to each member
 * asynchronously, so a child may still be running (or dying) for a moment after the leader's exit was reported.
 */
async function groupIsGone(pid: number | undefined): Promise<boolean> {
  expect(pid).toBeGreaterThan(0);
  const deadline = Date.now() + 2000;
  while (liveGroupMembers(pid!).length > 0) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}

describe('runSipp with SIPp built-in scenarios', () => {
  test('sipp -sn uas answers 5 calls of sipp -sn uac (-m 5): exit 0, 5 successful, 0 failed, stats and rtt parsed', async () => {
    const uas = startSipp({ builtin: 'uas', calls: 5, hardTimeoutMs: 20_000, runDir: runDir('uas') });
    const at = await uas.ready;
    expect(at.address).toBe('127.0.0.1');
    expect(at.port).toBeGreaterThan(0);
    const uac = await runSipp({
      builtin: 'uac',
      target: at,
      calls: 5,
      rate: 50,
      hardTimeoutMs: 20_000,
      runDir: runDir('uac'),
      traceMessages: true,
    });
    expect(uac.verdict).toEqual(expect.objectContaining({ status: 'passed', ok: true }));
    expect(uac.exitCode).toBe(0);
    expect(uac.stats?.calls).toEqual({ created: 5, outgoing: 5, incoming: 0, successful: 5, failed: 0 });
    expect(uac.stats?.retransmissions).toBe(0);
    expect(uac.stats?.failures).toEqual({});
    // The built-in uac marks one response time (INVITE → 200): one sample per call.
    expect(uac.responseTimes.filter((s) => s.rtd === 1)).toHaveLength(5);
    expect(uac.responseTimeMedianMs).toBeGreaterThanOrEqual(0);
    const names = uac.logs.map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(['stats.csv', 'screen.log', 'messages.log']));
    const messages = uac.logs.find((l) => l.name === 'messages.log')!;
    expect(messages.content).toMatch(/^INVITE sip:/m);
    expect(messages.content.match(/^BYE sip:/gm)).toHaveLength(5);
    expect(uac.args).not.toContain('-bg');
    const server = await uas.result;
    expect(server.verdict.status).toBe('passed');
    expect(server.stats?.calls.incoming).toBe(5);
    expect(server.stats?.calls.successful).toBe(5);
    expect(await groupIsGone(uac.pid)).toBe(true);
    expect(await groupIsGone(server.pid)).toBe(true);
  });

  test('a background UAS stopped with stop() reports "stopped" with its final statistics', async () => {
    const uas = startSipp({ builtin: 'uas', hardTimeoutMs: 20_000, runDir: runDir('uas-stop') });
    const at = await uas.ready;
    const uac = await runSipp({
      builtin: 'uac',
      target: at,
      calls: 2,
      rate: 20,
      hardTimeoutMs: 20_000,
      runDir: runDir('uac-stop'),
      maxLogBytes: 100,
    });
    expect(uac.verdict.status).toBe('passed');
    // Logs are attached only up to maxLogBytes; the statistics are still read whole.
    const screen = uac.logs.find((l) => l.name === 'screen.log')!;
    expect(screen.truncated).toBe(true);
    expect(screen.content).toHaveLength(100);
    expect(screen.bytes).toBeGreaterThan(100);
    expect(uac.stats?.calls.successful).toBe(2);
    const server = await uas.stop();
    expect(server.verdict).toEqual(expect.objectContaining({ status: 'stopped', ok: true }));
    expect(server.timedOut).toBe(false);
    expect(server.stats?.calls.incoming).toBe(2);
    expect(await groupIsGone(server.pid)).toBe(true);
  });

  test('a port that is already taken: SIPp exits 254 and the verdict is bind-failed, naming the error', async () => {
    const holder = startSipp({ builtin: 'uas', hardTimeoutMs: 20_000, runDir: runDir('holder') });
    const at = await holder.ready;
    const r = await runSipp({
      builtin: 'uas',
      localPort: at.port,
      calls: 1,
      hardTimeoutMs: 10_000,
      runDir: runDir('clash'),
    });
    expect(r.exitCode).toBe(254);
    expect(r.verdict.status).toBe('bind-failed');
    expect(r.verdict.message).toMatch(/Unable to bind main socket/);
    expect(r.attempts).toBe(1);
    await holder.stop();
  });

  test('a probed port taken before SIPp binds it: SIPp exits 254, the run retries on a new port and passes', async () => {
    const holder = startSipp({ builtin: 'uas', hardTimeoutMs: 20_000, runDir: runDir('holder2') });
    const taken = await holder.ready;
    const offered: number[] = [];
    // The first "free" port is one another process holds, as happens when a port is grabbed between probe and bind.
    const portProbe = async (address: string): Promise<number> => {
      const p = offered.length === 0 ? taken.port : await probeFreePort(address);
      offered.push(p);
      return p;
    };
    const uas = startSipp({ builtin: 'uas', calls: 1, hardTimeoutMs: 20_000, portProbe, runDir: runDir('retry') });
    const at = await uas.ready;
    expect(at.port).not.toBe(taken.port);
    const uac = await runSipp({
      builtin: 'uac',
      target: at,
      calls: 1,
      hardTimeoutMs: 20_000,
      runDir: runDir('retry-uac'),
    });
    const r = await uas.result;
    await holder.stop();
    expect(uac.verdict.status).toBe('passed');
    expect(r.verdict.status).toBe('passed');
    expect(r.attempts).toBe(2);
    expect(offered).toEqual([taken.port, at.port]);
    expect(r.local.port).toBe(at.port);
    expect(r.errors[0]).toBe(`attempt 1: SIPp could not bind 127.0.0.1:${taken.port}, retrying on another port`);
    expect(r.logs.find((l) => l.name === 'stderr.log')?.content).toMatch(
      /Unable to bind main socket[\s\S]*--- attempt 2/,
    );
  });
});

describe('hard time bound (every wait is bounded)', () => {
  test('a UAC toward a port where nothing answers is killed at the hard bound; verdict timeout; its process group is gone', async () => {
    // Port 9 (discard) on loopback: nothing listens, the INVITE is retransmitted until we kill SIPp.
    const started = Date.now();
    const r = await runSipp({
      builtin: 'uac',
      target: '127.0.0.1:9',
      calls: 1,
      hardTimeoutMs: 1500,
      killGraceMs: 500,
      runDir: runDir('timeout'),
    });
    const took = Date.now() - started;
    expect(r.timedOut).toBe(true);
    expect(r.verdict.status).toBe('timeout');
    expect(r.verdict.ok).toBe(false);
    expect(r.verdict.message).toMatch(/hard bound of 1500 ms/);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(1500 + 500 + 1500);
    expect(await groupIsGone(r.pid)).toBe(true);
  });

  test('a process that ignores SIGTERM is SIGKILLed after the grace period, with the children in its group', async () => {
    // Not SIPp: a shell that ignores SIGTERM and leaves a child in its process group, to prove the escalation.
    const { writeFileSync, chmodSync } = await import('node:fs');
    const script = join(base, 'stubborn.sh');
    writeFileSync(script, "#!/bin/sh\ntrap '' TERM\nsleep 30 &\nsleep 30\n");
    chmodSync(script, 0o755);
    const h = startSipp({
      builtin: 'uac',
      target: '127.0.0.1:9',
      binary: script,
      hardTimeoutMs: 800,
      killGraceMs: 400,
      readyTimeoutMs: 500,
      runDir: runDir('stubborn'),
    });
    await expect(h.ready).rejects.toThrow(/did not bind|hard bound/);
    const r = await h.result;
    expect(r.verdict.status).toBe('timeout');
    expect(r.signal).toBe('SIGKILL');
    expect(r.durationMs).toBeGreaterThanOrEqual(1100);
    expect(await groupIsGone(r.pid)).toBe(true);
  });

  test("SIPp's own -timeout (with -timeout_error) gives a timeout verdict with SIPp's message", async () => {
    const r = await runSipp({
      builtin: 'uac',
      target: '127.0.0.1:9',
      calls: 1,
      sippTimeoutS: 1,
      runDir: runDir('sipp-timeout'),
    });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(255);
    expect(r.verdict.status).toBe('timeout');
    expect(r.verdict.message).toMatch(/timed out after/);
  });
});

describe('shipped scenarios (scenarios/sipp/)', () => {
  test('invite-through-proxy-uac.xml against uas.xml directly: INVITE/100/180/200/ACK/BYE/200 completes (RFC 3261 §13, §15)', async () => {
    const uas = startSipp({
      scenarioFile: shippedScenario('uas'),
      calls: 3,
      hardTimeoutMs: 20_000,
      runDir: runDir('pair-uas'),
      traceMessages: true,
    });
    const at = await uas.ready;
    const uac = await runSipp({
      scenarioFile: shippedScenario('invite-through-proxy-uac'),
      target: at,
      service: 'bob',
      calls: 3,
      rate: 20,
      hardTimeoutMs: 20_000,
      runDir: runDir('pair-uac'),
      traceMessages: true,
    });
    expect(uac.verdict.status).toBe('passed');
    expect(uac.stats?.calls.successful).toBe(3);
    expect(uac.stats?.calls.failed).toBe(0);
    const server = await uas.result;
    expect(server.verdict.status).toBe('passed');
    expect(server.stats?.calls.successful).toBe(3);
    // The ACK and BYE go to the 200's Contact ([next_url], RFC 3261 §12.2.1.1), not to the original Request-URI.
    const sent = uac.logs.find((l) => l.name === 'messages.log')!.content;
    expect(sent).toMatch(new RegExp(`^ACK sip:127\\.0\\.0\\.1:${at.port};transport=UDP SIP/2\\.0`, 'm'));
    expect(sent).toMatch(new RegExp(`^BYE sip:127\\.0\\.0\\.1:${at.port};transport=UDP SIP/2\\.0`, 'm'));
    expect(sent).toMatch(/^INVITE sip:bob@127\.0\.0\.1:\d+ SIP\/2\.0/m);
  });

  test('load-uac.xml at a rate against sipp -sn uas: every call succeeds and the statistics count them', async () => {
    const uas = startSipp({ builtin: 'uas', hardTimeoutMs: 20_000, runDir: runDir('load-uas') });
    const at = await uas.ready;
    const r = await runSipp({
      scenarioFile: shippedScenario('load-uac'),
      target: at,
      calls: 40,
      rate: 100,
      callLimit: 20,
      hardTimeoutMs: 20_000,
      runDir: runDir('load-uac'),
    });
    await uas.stop();
    expect(r.verdict.status).toBe('passed');
    expect(r.stats?.calls).toEqual(expect.objectContaining({ successful: 40, failed: 0, outgoing: 40 }));
    expect(r.responseTimes.filter((s) => s.rtd === 1)).toHaveLength(40);
    expect(r.stats?.callLengthMeanMs).toBeGreaterThanOrEqual(100); // the 100 ms pause between ACK and BYE
  });

  test('register.xml against a registrar that echoes the binding with expires: passes (RFC 3261 §10.3)', async () => {
    const reg = await startUdpRegistrar({ echoContact: true });
    try {
      const r = await runSipp({
        scenarioFile: shippedScenario('register'),
        target: reg.endpoint,
        service: 'alice',
        calls: 2,
        rate: 10,
        hardTimeoutMs: 15_000,
        runDir: runDir('register-ok'),
        traceLogs: true,
      });
      expect(r.verdict.status).toBe('passed');
      expect(r.stats?.calls.successful).toBe(2);
      expect(reg.registers).toHaveLength(2);
      expect(reg.registers[0]!.contacts[0]!.uri.toString()).toBe(`sip:alice@127.0.0.1:${r.local.port};transport=UDP`);
      expect(r.logs.find((l) => l.name === 'actions.log')?.content).toMatch(
        new RegExp(`binding alice@127\\.0\\.0\\.1:${r.local.port} expires 3600`),
      );
    } finally {
      await reg.close();
    }
  });

  test('register.xml fails the call when the 200 does not list our Contact', async () => {
    const reg = await startUdpRegistrar({ echoContact: false });
    try {
      const r = await runSipp({
        scenarioFile: shippedScenario('register'),
        target: reg.endpoint,
        service: 'alice',
        calls: 1,
        hardTimeoutMs: 15_000,
        runDir: runDir('register-bad'),
        traceLogs: true,
      });
      expect(r.exitCode).toBe(1);
      expect(r.verdict.status).toBe('failed');
      expect(r.stats?.calls.failed).toBe(1);
      expect(r.logs.find((l) => l.name === 'actions.log')?.content).toMatch(/FAIL: the 200 does not list our Contact/);
    } finally {
      await reg.close();
    }
  });

  test('outbound-register-uas.xml over TCP: REGISTER with outbound, then the call arrives and is answered on that same connection (RFC 5626 §4.2.1, §5.3, §6)', async () => {
    const edge = await startTcpOutboundEdge();
    try {
      const r = await runSipp({
        scenarioFile: shippedScenario('outbound-register-uas'),
        oocScenarioFile: shippedScenario('outbound-answer-ooc'),
        transport: 'tcp',
        target: edge.endpoint,
        service: 'alice',
        calls: 1,
        hardTimeoutMs: 20_000,
        runDir: runDir('outbound'),
      });
      await within(2000, 'the 200 to the BYE', edge.callDone);
      expect(r.verdict.status).toBe('passed');
      expect(r.stats?.calls.successful).toBe(1);
      const reg = edge.received.find((x) => x.message.isRequest && x.message.method === 'REGISTER')!;
      expect(reg).toBeDefined();
      const req = reg.message as import('../../src/sip/message').SipRequest;
      expect(req.get('Supported')).toMatch(/outbound/);
      const contact = req.contacts[0]!;
      expect(contact.params.get('reg-id')).toBe('1');
      expect(contact.params.get('+sip.instance')).toMatch(/^"<urn:uuid:[0-9a-f-]+>"$/);
      expect(contact.sipUri?.params.has('ob')).toBe(true);
      // Everything — REGISTER, the INVITE's responses, the BYE's 200 and the un-REGISTER — on one connection.
      expect(new Set(edge.received.map((x) => x.connection))).toEqual(new Set([reg.connection]));
      const statuses = edge.received
        .filter((x) => !x.message.isRequest)
        .map((x) => `${(x.message as import('../../src/sip/message').SipResponse).status} ${x.message.cseq.method}`);
      expect(statuses).toEqual(['100 INVITE', '180 INVITE', '200 INVITE', '200 BYE']);
      const registers = edge.received.filter((x) => x.message.isRequest && x.message.method === 'REGISTER');
      expect(registers.map((x) => (x.message as import('../../src/sip/message').SipRequest).expires)).toEqual([600, 0]);
    } finally {
      await edge.close();
    }
  });
});
