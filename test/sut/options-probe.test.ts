/**
 * The OPTIONS probe against small loopback peers: answered on UDP and TCP, retransmitted per Timer E on UDP
 * (RFC 3261 §17.1.2.2), provisional and foreign responses ignored, and one-line reasons when nobody answers.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { SipRequest, StreamFramer, createResponse, parseMessage } from '../../src/sip';
import { probeOptions } from '../../src/sut/options-probe';

const open: Array<() => void> = [];
afterEach(() => {
  for (const close of open.splice(0)) close();
});

async function udpPeer(
  onRequest: (req: SipRequest, reply: (buf: Buffer) => void) => void,
): Promise<{ port: number; received: number[] }> {
  const sock = dgram.createSocket('udp4');
  const received: number[] = [];
  const t0 = performance.now();
  sock.on('message', (data, rinfo) => {
    received.push(performance.now() - t0);
    const req = parseMessage(data) as SipRequest;
    onRequest(req, (buf) => sock.send(buf, rinfo.port, rinfo.address));
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  open.push(() => sock.close());
  return { port: sock.address().port, received };
}

async function closedPort(): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const port = sock.address().port;
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

describe('OPTIONS probe', () => {
  test('UDP: a 200 answers it; the request is a valid OPTIONS (RFC 3261 §11.1) with rport (RFC 3581)', async () => {
    let seen: SipRequest | undefined;
    const peer = await udpPeer((req, reply) => {
      seen = req;
      const res = createResponse(req, 200);
      res.append('Server', 'test-peer/1.0');
      reply(res.toBuffer());
    });
    const r = await probeOptions({ address: '127.0.0.1', port: peer.port }, 'udp', 2000);
    expect(r).toMatchObject({ ok: true, status: 200, server: 'test-peer/1.0' });
    expect(seen!.method).toBe('OPTIONS');
    expect(seen!.uriText).toBe(`sip:127.0.0.1:${peer.port}`);
    expect(seen!.topVia.branch).toMatch(/^z9hG4bK/);
    expect(seen!.topVia.rport).toBeNull();
    expect(seen!.from.tag).toBeTruthy();
    expect(seen!.maxForwards).toBe(70);
  });

  test('UDP: any final status proves a SIP server (404 counts); 100 and foreign branches are ignored', async () => {
    const peer = await udpPeer((req, reply) => {
      reply(createResponse(req, 100).toBuffer());
      const other = req.clone();
      other.set('Via', req.get('via')!.replace(/branch=[^;]+/, 'branch=z9hG4bKsomeoneelse'));
      reply(createResponse(other, 500).toBuffer());
      reply(createResponse(req, 404).toBuffer());
    });
    const r = await probeOptions({ address: '127.0.0.1', port: peer.port }, 'udp', 2000);
    expect(r).toMatchObject({ ok: true, status: 404 });
  });

  test('UDP: a silent peer → retransmissions at T1, 2·T1, 4·T1 (§17.1.2.2) and a one-line reason', async () => {
    const peer = await udpPeer(() => undefined);
    const r = await probeOptions({ address: '127.0.0.1', port: peer.port }, 'udp', 1000, { t1: 100 });
    expect(r).toEqual({ ok: false, reason: `no answer to OPTIONS from 127.0.0.1:${peer.port} (udp) within 1000 ms` });
    // Sent at 0, 100, 300, 700 ms (intervals 100, 200, 400); the next would be at 1500, past the budget. Arrival
    // times are read on a busy event loop, so judge the span, not each gap.
    expect(peer.received.length).toBe(4);
    const span = peer.received[3]! - peer.received[0]!;
    expect(span).toBeGreaterThanOrEqual(600);
    expect(span).toBeLessThan(1000);
  });

  test('UDP: nothing listening → ICMP port unreachable, at once', async () => {
    const port = await closedPort();
    const t0 = performance.now();
    const r = await probeOptions({ address: '127.0.0.1', port }, 'udp', 3000);
    expect(r).toEqual({ ok: false, reason: `ICMP port unreachable from 127.0.0.1:${port} (nothing listens on UDP)` });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  test('TCP: answered over a stream (framed by Content-Length), refused when nothing listens', async () => {
    const server = net.createServer((sock) => {
      const framer = new StreamFramer();
      sock.on('data', (chunk) => {
        for (const f of framer.push(chunk)) {
          if (f.kind !== 'message') continue;
          const req = parseMessage(f.data) as SipRequest;
          const res = createResponse(req, 200).toBuffer();
          // Split the response across writes to exercise framing.
          sock.write(res.subarray(0, 20));
          setTimeout(() => sock.write(res.subarray(20)), 20);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    open.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    expect(await probeOptions({ address: '127.0.0.1', port }, 'tcp', 2000)).toMatchObject({ ok: true, status: 200 });

    const closed = await closedPort();
    expect(await probeOptions({ address: '127.0.0.1', port: closed }, 'tcp', 2000)).toEqual({
      ok: false,
      reason: `connection refused by 127.0.0.1:${closed} (nothing listens on TCP)`,
    });
  });

  test('TCP: a peer that accepts and stays silent → bounded, one-line reason', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    open.push(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const port = (server.address() as net.AddressInfo).port;
    expect(await probeOptions({ address: '127.0.0.1', port }, 'tcp', 300)).toEqual({
      ok: false,
      reason: `no answer to OPTIONS from 127.0.0.1:${port} (tcp) within 300 ms`,
    });
  });
});
