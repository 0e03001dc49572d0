/**
 * RFC 5626 §3.5.1: a ping is CRLFCRLF, a pong CRLF. On TCP a ping may arrive split across two reads; the framer
 * must not take its halves for two pongs (the flow would never answer the ping).
 */
import net from 'node:net';
import { StreamFramer } from '../../src/sip/framing';
import { TransportLayer } from '../../src/transport/transport-layer';

const CRLF = Buffer.from('\r\n');

describe('StreamFramer: CRLF keep-alives split across reads (RFC 5626 §3.5.1)', () => {
  test('a ping split into CRLF + CRLF is one ping, not two pongs', () => {
    const f = new StreamFramer();
    expect(f.push(CRLF)).toEqual([]);
    expect(f.pending).toBe(2);
    expect(f.push(CRLF)).toEqual([{ kind: 'ping' }]);
    expect(f.pending).toBe(0);
  });

  test('a lone CRLF is a pong when the flow awaits one', () => {
    const f = new StreamFramer();
    expect(f.push(CRLF, { awaitingPong: true })).toEqual([{ kind: 'pong' }]);
    expect(f.pending).toBe(0);
  });

  test('a held stray CRLF then the pong to our ping: one pong (RFC 3261 §7.5 ignores the stray CRLF)', () => {
    const f = new StreamFramer();
    expect(f.push(CRLF)).toEqual([]);
    expect(f.push(CRLF, { awaitingPong: true })).toEqual([{ kind: 'pong' }]);
    expect(f.pending).toBe(0);
  });

  test('a held CRLF followed by a message is a pong, then the message', () => {
    const f = new StreamFramer();
    const msg = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    expect(f.push(CRLF)).toEqual([]);
    const frames = f.push(msg);
    expect(frames.map((x) => x.kind)).toEqual(['pong', 'message']);
  });

  test('a ping in one read is a ping, also while awaiting a pong', () => {
    expect(new StreamFramer().push(Buffer.from('\r\n\r\n'))).toEqual([{ kind: 'ping' }]);
    expect(new StreamFramer().push(Buffer.from('\r\n\r\n'), { awaitingPong: true })).toEqual([{ kind: 'ping' }]);
  });

  test('a ping split 1+3 bytes and 3+1 bytes is one ping', () => {
    for (const cut of [1, 3]) {
      const f = new StreamFramer();
      const all = [...f.push(Buffer.from('\r\n\r\n'.slice(0, cut))), ...f.push(Buffer.from('\r\n\r\n'.slice(cut)))];
      expect(all).toEqual([{ kind: 'ping' }]);
    }
  });
});

describe('TCP flow: a split ping gets exactly one pong (RFC 5626 §3.5.1)', () => {
  let layer: TransportLayer;
  let sock: net.Socket | undefined;
  afterEach(async () => {
    sock?.destroy();
    await layer.close();
  });

  test('the peer writes CR LF, waits 60 ms, writes CR LF: the flow answers one CRLF', async () => {
    layer = new TransportLayer({ agent: 'harness' });
    const l = await layer.listen({ transport: 'tcp', host: '127.0.0.1', port: 0 });
    const s = net.connect(l.local.port, '127.0.0.1');
    sock = s;
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    const pings: number[] = [];
    layer.on('ping', () => pings.push(Date.now()));
    s.setNoDelay(true);
    s.write(CRLF);
    await new Promise((r) => setTimeout(r, 60));
    s.write(CRLF);
    await new Promise((r) => setTimeout(r, 150));
    expect(pings).toHaveLength(1);
    expect(Buffer.concat(got).toString('latin1')).toBe('\r\n');
  });
});
