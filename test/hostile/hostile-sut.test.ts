/**
 * The harness under a hostile SUT: real checks run through `sipconf run --target` (child process) against tiny
 * dgram/net servers that answer OPTIONS and REGISTER, then meet every INVITE with one hostility. Each run must end
 * in bounded time with the checks failed for a clear, classified reason (never "harness error"), the next check
 * still run, and the process exiting 1 (no crash, no hang).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createResponse } from '../../src/sip/builders';
import { sipconf } from '../robustness/support/cli';
import { HostileSut, behaviourTimers, clearBehaviourTimers, hostileTcpSut, hostileUdpSut } from './support/hostile-sut';

interface Summary {
  totals: { passed: number; failed: number; broken: number; skipped: number };
  checks: Array<{ id: string; status: string; durationMs: number; message?: string }>;
}

let dir: string;
let sut: HostileSut | undefined;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sipconf-hostile-'));
});
afterEach(async () => {
  clearBehaviourTimers();
  await sut?.close();
  sut = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Runs INVITE-2XX-ACK and INVITE-2XX-RETRANSMIT (two checks: the run must go on after the first) with T1 = 50 ms. */
async function runAgainst(port: number, transport: 'udp' | 'tcp', grep = 'INVITE-2XX') {
  const json = path.join(dir, 'summary.json');
  const r = await sipconf(
    [
      'run',
      '--target',
      `127.0.0.1:${port}`,
      '--transport',
      transport,
      '--grep',
      grep,
      '--t1',
      '50',
      '--no-report',
      '--json',
      json,
      '--results-dir',
      path.join(dir, 'results'),
      '--reports-dir',
      path.join(dir, 'reports'),
    ],
    { timeoutMs: 90_000 },
  );
  const summary = r.code === 1 || r.code === 0 ? (JSON.parse(readFileSync(json, 'utf8')) as Summary) : undefined;
  return { ...r, summary };
}

/** Both checks failed (SUT's fault, classified), each well inside its own bound, and the run itself bounded. */
function expectCleanFailure(r: Awaited<ReturnType<typeof runAgainst>>, reason: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.stderr).not.toMatch(/internal error|UnhandledPromiseRejection|unhandled/i);
  expect(r.code).toBe(1);
  const s = r.summary!;
  expect(s.checks.map((c) => c.id).sort()).toEqual(['INVITE-2XX-ACK', 'INVITE-2XX-RETRANSMIT']);
  for (const c of s.checks) {
    expect(`${c.id} ${c.status}: ${c.message}`).toMatch(new RegExp(`^${c.id} failed: `));
    expect(c.message).toMatch(/^(SUT non-conformance|timeout): /);
    expect(c.message).toMatch(reason);
    // 64·T1 = 3.2 s per wait at T1 = 50 ms: the check's own waits end it, well before its 30 s hard bound
    // (the margin is for a loaded CI machine).
    expect(c.durationMs).toBeLessThan(25_000);
  }
  expect(r.ms).toBeLessThan(80_000);
}

describe('the harness under a hostile SUT', () => {
  test('a SUT that never answers anything: exit 2, one line "SUT unreachable", bounded by the 7 s probe', async () => {
    sut = await hostileUdpSut(() => undefined, { answerOptions: false });
    const r = await runAgainst(sut.port, 'udp');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/SUT unreachable: .*no answer to OPTIONS/);
    expect(r.ms).toBeLessThan(30_000);
  }, 60_000);

  test('a SUT that never answers INVITE: both checks fail on the bound (64·T1), the second still runs', async () => {
    sut = await hostileUdpSut(() => undefined);
    const r = await runAgainst(sut.port, 'udp');
    expectCleanFailure(r, /no INVITE reached \S+ within 3200 ms \(64·T1\): the SUT did not forward the INVITE/);
    expect(sut.invites).toBeGreaterThanOrEqual(2);
  }, 100_000);

  test('a SUT that answers INVITE with garbage bytes', async () => {
    sut = await hostileUdpSut((_req, reply) => {
      reply.send(Buffer.from('\x00\xff garbage \r\n\r\n SIP/9.9 999 ???\r\n\r\n'));
      reply.send(Buffer.from('SIP/2.0 200 OK\r\nVia: broken\r\n\r\n'));
    });
    const r = await runAgainst(sut.port, 'udp');
    expectCleanFailure(r, /the SUT did not forward the INVITE/);
  }, 100_000);

  test('a SUT that answers INVITE with a 64 KiB datagram', async () => {
    sut = await hostileUdpSut((req, reply) => {
      reply.send(createResponse(req, 180, { headers: [['X-Padding', 'P'.repeat(65_000)]] }).toBuffer());
    });
    const r = await runAgainst(sut.port, 'udp');
    expectCleanFailure(r, /the SUT did not forward the INVITE/);
  }, 100_000);

  test('a SUT that sends responses for transactions that do not exist', async () => {
    sut = await hostileUdpSut((req, reply) => {
      for (let i = 0; i < 50; i++) {
        const res = createResponse(req, 200, { toTag: `stray${i}` });
        res.set('Via', `SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnosuch${i}`);
        res.set('Call-ID', `nosuch-${i}@hostile`);
        reply.send(res.toBuffer());
      }
    });
    const r = await runAgainst(sut.port, 'udp');
    expectCleanFailure(r, /the SUT did not forward the INVITE/);
  }, 100_000);

  test('a SUT that floods retransmissions (1000 copies of one 100 Trying, 200 of one 486)', async () => {
    sut = await hostileUdpSut((req, reply) => {
      const trying = createResponse(req, 100).toBuffer();
      const busy = createResponse(req, 486, { toTag: 'busy' }).toBuffer();
      for (let i = 0; i < 1000; i++) reply.send(trying);
      for (let i = 0; i < 200; i++) reply.send(busy);
    });
    const r = await runAgainst(sut.port, 'udp');
    expectCleanFailure(r, /the SUT did not forward the INVITE|486|no final response to REGISTER/);
  }, 100_000);

  test('TCP: a SUT that streams 10 MiB without a message end on the INVITE connection', async () => {
    sut = await hostileTcpSut((_req, reply) => {
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024 && reply.socket && !reply.socket.destroyed) {
          sent += chunk.length;
          if (!reply.socket.write(chunk)) return void reply.socket.once('drain', pump);
        }
      };
      pump();
    });
    const r = await runAgainst(sut.port, 'tcp');
    expectCleanFailure(r, /the SUT did not forward the INVITE/);
  }, 100_000);

  test('TCP: a SUT that drips a response one byte every 50 ms (20 bytes, then nothing)', async () => {
    sut = await hostileTcpSut((req, reply) => {
      const bytes = createResponse(req, 180).toBuffer();
      let i = 0;
      const t = setInterval(() => {
        if (i >= 20 || reply.socket?.destroyed) return clearInterval(t);
        reply.send(bytes.subarray(i, i + 1));
        i++;
      }, 50);
      behaviourTimers.add(t);
    });
    const r = await runAgainst(sut.port, 'tcp');
    expectCleanFailure(r, /the SUT did not forward the INVITE/);
  }, 100_000);

  test('TCP: a SUT that resets the connection in the middle of a response', async () => {
    sut = await hostileTcpSut((req, reply) => {
      const bytes = createResponse(req, 180).toBuffer();
      reply.socket!.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => reply.socket!.resetAndDestroy());
    });
    const r = await runAgainst(sut.port, 'tcp');
    expectCleanFailure(r, /the SUT did not forward the INVITE|transport error|reset/);
  }, 100_000);
});
