/**
 * Load runs over real loopback UDP sockets (and TCP through the reference SUT; more in load-tcp.test.ts): our UAC
 * against our UAS, through the embedded reference SUT, toward a
 * dead port, and the UAS's RFC 3261 §13.3.1.4 2xx retransmission against a raw client that never ACKs.
 * No timing claims: only that calls complete, fail for the right reason, and every run ends in bounded time.
 */
import * as dgram from 'node:dgram';
import net from 'node:net';
import { rateChartSvg, writeLoadAllureResult } from '../../src/load/load-report';
import { runLoad, startLoad } from '../../src/load/run-load';
import { UsageError } from '../../src/transport/usage-error';
import { runLoadWorkers } from '../../src/load/load-workers';
import { newScan, scanMessage } from '../../src/load/sip-scan';
import { response } from '../../src/load/templates';
import { ReferenceSut } from '../../src/sut/reference';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function udpSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

async function deadPort(): Promise<number> {
  const s = await udpSocket();
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** REGISTERs sip:service@127.0.0.1 at `target` with a Contact at the load UAS; resolves with the status line. */
async function registerUas(
  target: { address: string; port: number },
  transport: 'udp' | 'tcp',
  uasPort: number,
): Promise<string> {
  const reg = (via: string) =>
    `REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/${transport.toUpperCase()} ${via};branch=z9hG4bK-load-reg;rport\r\nMax-Forwards: 70\r\n` +
    `From: <sip:service@127.0.0.1>;tag=r1\r\nTo: <sip:service@127.0.0.1>\r\nCall-ID: load-reg-${transport}\r\nCSeq: 1 REGISTER\r\n` +
    `Contact: <sip:service@127.0.0.1:${uasPort}${transport === 'tcp' ? ';transport=tcp' : ''}>;expires=60\r\nContent-Length: 0\r\n\r\n`;
  const timeout = new Promise<string>((r) => setTimeout(() => r('no answer in 5 s'), 5000).unref());
  if (transport === 'udp') {
    const s = await udpSocket();
    try {
      const answer = new Promise<string>((r) => s.once('message', (m) => r(m.toString('latin1'))));
      s.send(reg(`127.0.0.1:${s.address().port}`), target.port, target.address);
      return (await Promise.race([answer, timeout])).split('\r\n')[0]!;
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
  const c = net.connect(target.port, target.address);
  try {
    await new Promise<void>((resolve, reject) => c.once('connect', () => resolve()).once('error', reject));
    const answer = new Promise<string>((r) => c.once('data', (d) => r(d.toString('latin1'))));
    c.write(reg(`127.0.0.1:${c.localPort}`));
    return (await Promise.race([answer, timeout])).split('\r\n')[0]!;
  } finally {
    c.destroy();
  }
}

describe('runLoad', () => {
  test('UAC → our UAS: 300 calls INVITE/180/200/ACK/BYE/200 all complete, on both sides', async () => {
    const uas = await startLoad({ mode: 'uas', trying: true });
    try {
      const progress: number[] = [];
      const r = await runLoad({
        target: `127.0.0.1:${uas.local.port}`,
        rate: 150,
        calls: 300,
        onProgress: (p) => progress.push(p.completed),
      });
      expect(r.calls).toMatchObject({ started: 300, completed: 300, failed: 0 });
      expect(r.failures).toEqual({});
      expect(r.unparseable).toBe(0);
      expect(r.responseTimeMs.p50).toBeGreaterThan(0);
      expect(r.series.reduce((n, s) => n + s.completed, 0)).toBe(300);
      expect(progress[progress.length - 1]).toBe(300);
      const u = await uas.stop();
      expect(u.calls).toMatchObject({ started: 300, completed: 300, failed: 0 });
    } finally {
      await uas.stop();
    }
  });

  test('calls with a hold time stay in flight together (concurrency), then end with BYE', async () => {
    const uas = await startLoad({ mode: 'uas' });
    try {
      const r = await runLoad({
        target: `127.0.0.1:${uas.local.port}`,
        rate: 200,
        calls: 100,
        holdMs: 400,
        concurrency: 50,
      });
      expect(r.calls).toMatchObject({ started: 100, completed: 100, failed: 0 });
      expect(r.peakInFlight).toBe(50);
      const u = await uas.stop();
      expect(u.calls.completed).toBe(100);
    } finally {
      await uas.stop();
    }
  });

  test.each(['udp', 'tcp'] as const)(
    'through the embedded reference SUT over %s: REGISTER storm, then calls routed to a registered UAS (Record-Route, §12.1.2)',
    async (transport) => {
      const sut = await ReferenceSut.start();
      const uas = await startLoad({ mode: 'uas', transport });
      try {
        const target = sut.address(transport);
        const storm = await runLoad({ target, transport, scenario: 'register', rate: 200, calls: 200, users: 20 });
        expect(storm.calls).toMatchObject({ started: 200, completed: 200, failed: 0 });

        // Bind AOR sip:service@127.0.0.1 to the UAS (over TCP with transport=tcp), so the proxy forwards the INVITEs there.
        expect(await registerUas(target, transport, uas.local.port)).toBe('SIP/2.0 200 OK');

        const calls = await runLoad({ target, transport, rate: 100, calls: 200 });
        expect(calls.failures).toEqual({});
        expect(calls.calls).toMatchObject({ started: 200, completed: 200, failed: 0 });
        const u = await uas.stop();
        expect(u.calls).toMatchObject({ started: 200, completed: 200, failed: 0 });
      } finally {
        await uas.stop();
        await sut.close();
      }
    },
  );

  test('outbound registrations through the reference SUT: REGISTER with instance/reg-id, STUN keep-alives answered, then Expires 0 (RFC 5626 §4.2, §4.4.2)', async () => {
    const sut = await ReferenceSut.start();
    try {
      const r = await runLoad({
        target: sut.address('udp'),
        scenario: 'outbound',
        rate: 50,
        calls: 40,
        holdMs: 700,
        keepaliveMs: 200,
        users: 40,
      });
      expect(r.calls).toMatchObject({ started: 40, completed: 40, failed: 0 });
      expect(r.peakInFlight).toBeGreaterThan(1);
      // A retransmitted REGISTER (UDP, a busy machine) is answered twice; the second answer finds no transaction.
      expect(r.stray).toBeLessThanOrEqual(r.retransmissions);
    } finally {
      await sut.close();
    }
  });

  test('outbound: a registrar that never answers STUN fails each registration as keepalive-timeout (RFC 5626 §4.4.1)', async () => {
    // A registrar that answers every REGISTER with 200 and drops everything else (the STUN Binding requests).
    const reg = await udpSocket();
    const scan = newScan();
    reg.on('message', (m, rinfo) => {
      if (!scanMessage(m.toString('latin1'), scan) || scan.method !== 'REGISTER') return;
      reg.send(
        response(200, 'OK', scan.vias, scan.from, `${scan.to};tag=r`, scan.callId, scan.cseq, 'REGISTER', '', ''),
        rinfo.port,
        rinfo.address,
      );
    });
    try {
      const r = await runLoad({
        target: `127.0.0.1:${reg.address().port}`,
        scenario: 'outbound',
        rate: 50,
        calls: 10,
        holdMs: 3000,
        keepaliveMs: 150,
        keepaliveTimeoutMs: 300,
      });
      expect(r.failures).toEqual({ 'keepalive-timeout': 10 });
      // Failed at the pong timeout (first ping at 150 ms + 300 ms), long before the 3 s hold ends.
      expect(r.durationMs).toBeLessThan(2500);
    } finally {
      await new Promise<void>((res) => reg.close(() => res()));
    }
  });

  test('toward a dead port every call fails as timeout-invite after Timer B = 64·T1, with Timer A retransmissions (RFC 3261 §17.1.1.2)', async () => {
    const port = await deadPort();
    const t0 = Date.now();
    const r = await runLoad({ target: `127.0.0.1:${port}`, rate: 100, calls: 20, t1Ms: 40 });
    const took = Date.now() - t0;
    expect(r.calls).toMatchObject({ started: 20, completed: 0, failed: 20 });
    expect(r.failures).toEqual({ 'timeout-invite': 20 });
    // Retransmissions at T1, 3·T1, 7·T1, 15·T1, 31·T1, 63·T1: 6 per call (fewer only if the event loop lagged).
    expect(r.retransmissions).toBeGreaterThanOrEqual(20 * 4);
    expect(r.retransmissions).toBeLessThanOrEqual(20 * 6);
    expect(took).toBeGreaterThanOrEqual(64 * 40);
    expect(took).toBeLessThan(64 * 40 + 200 + 5000);
    expect(r.clean).toBe(false);
  });

  test('UAS without an ACK: the 2xx is retransmitted (T1 doubling up to T2) and the call fails as no-ack after 64·T1 (RFC 3261 §13.3.1.4)', async () => {
    const t1 = 20;
    const uas = await startLoad({ mode: 'uas', t1Ms: t1, t2Ms: 80 });
    const s = await udpSocket();
    try {
      const got: string[] = [];
      s.on('message', (m) => got.push(m.toString('latin1').split('\r\n')[0]!));
      const inv =
        `INVITE sip:service@127.0.0.1:${uas.local.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${s.address().port};branch=z9hG4bK-noack;rport\r\nMax-Forwards: 70\r\n` +
        `From: <sip:a@127.0.0.1>;tag=x\r\nTo: <sip:service@127.0.0.1>\r\nCall-ID: noack-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
      s.send(inv, uas.local.port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 64 * t1 + 400));
      const u = await uas.stop();
      expect(got[0]).toBe('SIP/2.0 180 Ringing');
      const oks = got.filter((l) => l === 'SIP/2.0 200 OK').length;
      // 200 at 0, then T1, 2T1, 4T1 (=T2), then every T2 until 64·T1: 1 + 3 + 12 = 16 (the loop may lag a few).
      expect(oks).toBeGreaterThanOrEqual(8);
      expect(oks).toBeLessThanOrEqual(17);
      expect(u.failures).toEqual({ 'no-ack': 1 });
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
      await uas.stop();
    }
  });

  test('worker threads: the rate and count split over 2 threads, one socket each, counters merged', async () => {
    const uas = await startLoad({ mode: 'uas' });
    try {
      const seen: number[] = [];
      const r = await runLoadWorkers(
        { target: `127.0.0.1:${uas.local.port}`, rate: 200, calls: 201, onProgress: (p) => seen.push(p.completed) },
        2,
      );
      expect(r.calls).toMatchObject({ started: 201, completed: 201, failed: 0 });
      expect(r.local.split(' ')).toHaveLength(2);
      expect(r.options.workers).toBe(2);
      expect(r.series.reduce((n, x) => n + x.completed, 0)).toBe(201);
      expect(seen.length).toBeGreaterThan(0);
      expect((await uas.stop()).calls.completed).toBe(201);
      await expect(runLoadWorkers({ mode: 'uas' }, 2)).rejects.toThrow(/UAC loads/);
      await expect(runLoadWorkers({ target: '127.0.0.1:5060', calls: 1 }, 2)).rejects.toThrow(/fewer than --workers/);
    } finally {
      await uas.stop();
    }
  });

  test('bad options are usage errors', async () => {
    await expect(runLoad({ target: 'nohost', calls: 1 })).rejects.toThrow(UsageError);
    await expect(runLoad({ target: '127.0.0.1:5060' })).rejects.toThrow(/duration or a number of calls/);
    await expect(runLoad({ target: '127.0.0.1:5060', calls: 1, rate: -1 })).rejects.toThrow(
      /rate must be a positive number/,
    );
    await expect(runLoad({ mode: 'uac', calls: 1 })).rejects.toThrow(/needs a target/);
  });

  test('the Allure result: status, percentiles, and the rate-over-time chart as SVG', async () => {
    const port = await deadPort();
    const r = await runLoad({ target: `127.0.0.1:${port}`, calls: 3, rate: 50, t1Ms: 10 });
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-load-allure-'));
    const path = writeLoadAllureResult(dir, r);
    const res = JSON.parse(readFileSync(path, 'utf8'));
    expect(res.status).toBe('failed');
    expect(res.statusDetails.message).toMatch(/3 of 3 calls failed: timeout-invite 3/);
    expect(res.labels).toContainEqual({ name: 'feature', value: 'load' });
    const svgName = res.attachments.find((a: { type: string }) => a.type === 'image/svg+xml').source;
    const svg = readFileSync(join(dir, svgName), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('failed/s');
    expect(readdirSync(dir)).toHaveLength(3);
    expect(rateChartSvg([], 'empty')).toContain('</svg>');
  });
});
