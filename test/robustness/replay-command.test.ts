/**
 * `sipconf replay`: a saved message or a pcap's SIP requests sent to a target, answers printed, then an OPTIONS
 * probe: exit 0 alive, 1 reproduced a kill, 2 bad input or a target dead before the replay.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SipAgent } from '../../src/agent/sip-agent';
import { writePcap } from '../../src/report/pcap';
import { isPcap, readPcap } from '../../src/replay/pcap-reader';
import { ReferenceSut } from '../../src/sut/reference';
import { Trace } from '../../src/transport/trace';
import { hostileUdp, ok } from './support/hostile-udp';
import { sipconf } from './support/cli';

let sut: ReferenceSut;
let dir: string;

beforeAll(async () => {
  sut = await ReferenceSut.start({ timers: { t1: 100 } });
  dir = mkdtempSync(path.join(tmpdir(), 'sipconf-replay-'));
});
afterAll(async () => {
  await sut.close();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
/** An OPTIONS with its own branch (a reused branch would match the SUT's earlier server transaction, §17.2.3). */
function options(port: number, extra = ''): Buffer {
  seq++;
  return Buffer.from(
    [
      `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKreplay${seq};rport`,
      'Max-Forwards: 70',
      'From: <sip:r@127.0.0.1>;tag=1',
      `To: <sip:127.0.0.1:${port}>`,
      `Call-ID: replay-${seq}`,
      'CSeq: 1 OPTIONS',
      extra,
      'Content-Length: 0',
      '',
      '',
    ]
      .filter((l, i, a) => l !== '' || i >= a.length - 2)
      .join('\r\n'),
  );
}

describe('sipconf replay', () => {
  test('a saved message over UDP: answer printed, target alive → exit 0', async () => {
    const f = path.join(dir, 'case.sip');
    writeFileSync(f, options(sut.address('udp').port));
    const r = await sipconf(['replay', f, '--target', `127.0.0.1:${sut.address('udp').port}`, '--wait', '300'], {
      timeoutMs: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/→ OPTIONS .*\(\d+ bytes\)/);
    expect(r.stdout).toMatch(/← 200 /);
    expect(r.stdout).toMatch(/still answers OPTIONS \(200/);
  }, 40_000);

  test('a malformed message over TCP gets its 400 printed (RFC 3261 §21.4.1)', async () => {
    const f = path.join(dir, 'bad.sip');
    writeFileSync(
      f,
      Buffer.from(
        options(sut.address('tcp').port)
          .toString('latin1')
          .replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE')
          .replace('/UDP', '/TCP'),
      ),
    );
    const r = await sipconf(
      ['replay', f, '--target', `127.0.0.1:${sut.address('tcp').port}`, '--transport', 'tcp', '--wait', '300'],
      { timeoutMs: 30_000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/← 400 /);
  }, 40_000);

  test('a pcap written by the harness: its requests (not its responses) are replayed', async () => {
    const trace = new Trace();
    const alice = await SipAgent.create({ name: 'alice', trace, timers: { t1: 100 } });
    try {
      for (let i = 0; i < 2; i++) {
        const out = await alice.send(alice.createRequest('OPTIONS', `sip:127.0.0.1:${sut.address('udp').port}`), {
          remote: sut.address('udp'),
          transport: 'udp',
        });
        await out.final({ within: 2000 });
      }
    } finally {
      await alice.close();
    }
    const pcap = writePcap(trace.entries);
    expect(isPcap(pcap)).toBe(true);
    const msgs = readPcap(pcap);
    expect(msgs.filter((m) => m.data.toString('latin1').startsWith('OPTIONS'))).toHaveLength(2);
    const f = path.join(dir, 'run.pcap');
    writeFileSync(f, pcap);
    const r = await sipconf(['replay', f, '--target', `127.0.0.1:${sut.address('udp').port}`, '--wait', '300'], {
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^→ OPTIONS/gm)).toHaveLength(2);
    expect(r.stdout).toMatch(/sent 2 message\(s\)/);
  }, 40_000);

  test('a message that kills the target: exit 1, REPRODUCED', async () => {
    const victim = await hostileUdp((data, req, state) => {
      if (data.includes('X-Kill')) state.dead = true;
      return req && !state.dead ? [ok(req)] : [];
    });
    try {
      const f = path.join(dir, 'killer.sip');
      writeFileSync(f, options(victim.port, 'X-Kill: now'));
      const r = await sipconf(
        ['replay', f, '--target', `127.0.0.1:${victim.port}`, '--wait', '100', '--probe-timeout', '800'],
        { timeoutMs: 30_000 },
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/REPRODUCED: the target no longer answers OPTIONS/);
    } finally {
      await victim.close();
    }
  }, 40_000);

  test.each([
    [['replay', '/nonexistent/case.sip', '--target', '127.0.0.1:5060'], /cannot read \/nonexistent\/case.sip: ENOENT/],
    [['replay', 'package.json', '--target', 'nohostport'], /--target "nohostport" is not HOST:PORT/],
    [['replay', 'package.json', '--target', '127.0.0.1:5060', '--wait', 'soon'], /--wait must be a whole number/],
    [['replay', 'package.json', '--target', '127.0.0.1:5060', '--transport', 'sctp'], /argument 'sctp' is invalid/],
  ])(
    'bad input %# → exit 2, one line naming the fault',
    async (args, msg) => {
      const r = await sipconf(args, { timeoutMs: 20_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    },
    30_000,
  );

  test('an empty file and a truncated pcap → exit 2 naming the file', async () => {
    const empty = path.join(dir, 'empty.sip');
    writeFileSync(empty, '');
    const r1 = await sipconf(['replay', empty, '--target', '127.0.0.1:5060'], { timeoutMs: 20_000 });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/empty\.sip is empty/);
    const trunc = path.join(dir, 'trunc.pcap');
    const p = writePcap([]);
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32LE(100, 8);
    writeFileSync(trunc, Buffer.concat([p, hdr, Buffer.alloc(10)]));
    const r2 = await sipconf(['replay', trunc, '--target', '127.0.0.1:5060'], { timeoutMs: 20_000 });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/trunc\.pcap: packet 1 is truncated/);
  }, 40_000);

  test('a target that does not answer before the replay → exit 2 within the probe bound', async () => {
    const silent = await hostileUdp(() => []);
    try {
      const f = path.join(dir, 'case2.sip');
      writeFileSync(f, options(silent.port));
      const r = await sipconf(['replay', f, '--target', `127.0.0.1:${silent.port}`, '--probe-timeout', '700'], {
        timeoutMs: 20_000,
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/does not answer OPTIONS before the replay/);
      expect(silent.received.every((d) => d.toString('latin1').startsWith('OPTIONS'))).toBe(true);
    } finally {
      await silent.close();
    }
  }, 30_000);
});
