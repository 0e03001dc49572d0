/**
 * Interop with a peer no one here wrote (issue: "SIPp's built-in uac calls our UAS, our UAC calls SIPp's built-in
 * uas, both complete"): real SIPp processes (Debian sip-tester) on loopback, INVITE/180/200/ACK/BYE/200 each way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SipAgent } from '../../src/agent/sip-agent';
import { runSipp, startSipp } from '../../src/sipp';

const dirs: string[] = [];
function runDir(name: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `sipconf-interop-${name}-`));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('interop with SIPp 3.6 (RFC 3261 §13, §15, §17)', () => {
  test('SIPp -sn uac places 3 calls to our UAS: all complete, no retransmission', async () => {
    const bob = await SipAgent.create({ name: 'bob', timers: { t1: 500 } });
    const serve = (async () => {
      for (let i = 0; i < 3; i++) {
        const inv = await bob.expect('INVITE', { within: 10_000 });
        await inv.respond(180);
        await inv.accept();
        await bob.expect('ACK', { within: 10_000 });
        expect(await inv.twoXx!.acked).toBe(true);
        const bye = await bob.expect('BYE', { within: 10_000 });
        await bye.respond(200);
      }
    })();
    try {
      const uac = await runSipp({
        builtin: 'uac',
        target: bob.address('udp'),
        calls: 3,
        rate: 10,
        hardTimeoutMs: 30_000,
        runDir: runDir('uac'),
      });
      await serve;
      expect(uac.verdict).toEqual(expect.objectContaining({ status: 'passed', ok: true }));
      expect(uac.stats?.calls).toEqual(expect.objectContaining({ successful: 3, failed: 0 }));
      expect(uac.stats?.retransmissions).toBe(0);
    } finally {
      await bob.close();
    }
  }, 45_000);

  test('our UAC places 3 calls to SIPp -sn uas: all complete', async () => {
    const uas = startSipp({ builtin: 'uas', calls: 3, hardTimeoutMs: 30_000, runDir: runDir('uas') });
    const alice = await SipAgent.create({ name: 'alice', timers: { t1: 500 } });
    try {
      const at = await uas.ready;
      for (let i = 0; i < 3; i++) {
        const call = await alice.invite(`sip:service@${at.address}:${at.port}`, {
          target: { remote: at, transport: 'udp' },
        });
        const ok = await call.expectResponse(200, { within: 10_000 });
        expect(ok.message.to.tag).toBeTruthy();
        await call.ack();
        const bye = await call.bye();
        expect((await bye.final({ within: 10_000 })).message.status).toBe(200);
      }
      const server = await uas.result;
      expect(server.verdict.status).toBe('passed');
      expect(server.stats?.calls).toEqual(expect.objectContaining({ incoming: 3, successful: 3, failed: 0 }));
    } finally {
      await alice.close();
      await uas.stop();
    }
  }, 45_000);
});
