/**
 * The challenge relay on real loopback sockets: 401s reach SIPp with only the challenges it can answer (RFC 8760
 * §2.4), everything else passes byte for byte, and each client TCP connection is its own upstream connection (an
 * RFC 5626 flow stays one flow), over UDP each client its own upstream socket.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';
import { startChallengeRelay } from '../../src/sipp/challenge-relay';

const CHALLENGED = [
  'SIP/2.0 401 Unauthorized',
  'Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1',
  'WWW-Authenticate: Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"',
  'WWW-Authenticate: Digest realm="r", nonce="n", algorithm=MD5, qop="auth"',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');
const OPTIONS = [
  'OPTIONS sip:x@127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK2',
  'Content-Length: 3',
  '',
  'abc',
].join('\r\n');

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(t));
}

function readUntil(s: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const on = (d: Buffer) => {
      text += d.toString('latin1');
      if (done(text)) {
        s.off('data', on);
        resolve(text);
      }
    };
    s.on('data', on);
  });
}

test('TCP: one upstream connection per client connection; the 401 keeps only MD5; other bytes unchanged', async () => {
  const upstreamConns: Socket[] = [];
  const server = createServer((c) => {
    upstreamConns.push(c);
    // Answer any request with the two-challenge 401, split across two writes (framing must reassemble it).
    c.on('data', () => {
      c.write(CHALLENGED.slice(0, 40));
      setTimeout(() => c.write(CHALLENGED.slice(40) + OPTIONS), 10);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const relay = await startChallengeRelay({ upstream: { address: '127.0.0.1', port }, transport: 'tcp' });
  const a = connect(relay.local.port, '127.0.0.1');
  const b = connect(relay.local.port, '127.0.0.1');
  try {
    a.write('REGISTER sip:r SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    b.write('REGISTER sip:r SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    const [ta, tb] = await within(
      Promise.all([readUntil(a, (t) => t.endsWith('abc')), readUntil(b, (t) => t.endsWith('abc'))]),
      5000,
      'both answers',
    );
    for (const t of [ta, tb]) {
      expect(t).toContain('algorithm=MD5');
      expect(t).not.toContain('SHA-256');
      expect(t.endsWith(OPTIONS)).toBe(true);
    }
    expect(upstreamConns).toHaveLength(2);
    expect(relay.removed).toBe(2);
    expect(relay.log[0]).toMatch(/SIP\/2\.0 401 Unauthorized: removed 1 challenge.*RFC 8760 §2\.4/);
    // Closing the client closes its upstream connection (the flow ends at the SUT too).
    const closed = new Promise<void>((r) => upstreamConns[0]!.once('close', () => r()));
    a.destroy();
    await within(closed, 5000, 'upstream close');
  } finally {
    a.destroy();
    b.destroy();
    await relay.close();
    for (const c of upstreamConns) c.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('UDP: the 401 keeps only MD5, answers go back to the client that asked', async () => {
  const upstream = createSocket('udp4');
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  upstream.on('message', (_m, rinfo) => upstream.send(CHALLENGED.replace('TCP', 'UDP'), rinfo.port, rinfo.address));
  const relay = await startChallengeRelay({
    upstream: { address: '127.0.0.1', port: upstream.address().port },
    transport: 'udp',
  });
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  try {
    const got = within(
      new Promise<string>((r) => client.once('message', (m) => r(m.toString('latin1')))),
      5000,
      'the 401',
    );
    client.send('REGISTER sip:r SIP/2.0\r\nContent-Length: 0\r\n\r\n', relay.local.port, '127.0.0.1');
    const text = await got;
    expect(text).toContain('algorithm=MD5');
    expect(text).not.toContain('SHA-256');
    expect(relay.removed).toBe(1);
  } finally {
    await relay.close();
    await new Promise<void>((r) => client.close(() => r()));
    await new Promise<void>((r) => upstream.close(() => r()));
  }
});
