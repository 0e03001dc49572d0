/**
 * The load engine over TCP (RFC 3261 §18.3): one connection per UAC carrying every call, a UAS answering each
 * request on the connection it came on, Content-Length framing of split and coalesced messages, no Timer A/E
 * retransmissions on a reliable transport (§17.1.1.2, §17.1.2.2) while the 2xx is still retransmitted end to end
 * (§13.3.1.4), and CRLF keep-alives answered (RFC 5626 §3.5.1). Against our own UAS, raw TCP peers and SIPp's
 * built-in scenarios with `-t t1`; through the embedded reference SUT in run-load.test.ts. No timing claims: calls
 * complete or fail for the right reason, in bounded time.
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, startLoad } from '../../src/load/run-load';
import { UsageError } from '../../src/transport/usage-error';
import { runSipp, startSipp } from '../../src/sipp';

/** A raw TCP server: every connection's bytes are handed to `onData` with the socket to answer on. */
async function rawServer(
  onData: (text: string, socket: net.Socket) => void,
): Promise<{ port: number; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (d) => {
      received.push(d.toString('latin1'));
      onData(d.toString('latin1'), socket);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function rawClient(port: number): Promise<{ socket: net.Socket; text: () => string; close(): Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
  let got = '';
  socket.on('data', (d) => (got += d.toString('latin1')));
  return {
    socket,
    text: () => got,
    close: () =>
      new Promise<void>((r) => {
        if (socket.destroyed) return r();
        socket.once('close', () => r()).destroy();
      }),
  };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function header(msg: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(msg)?.[1]?.trim();
}

/** The first response line of each message in a byte stream, in order. */
function statusLines(stream: string): string[] {
  return stream.split('\r\n').filter((l) => l.startsWith('SIP/2.0 '));
}

function invite(port: number, callId: string): string {
  return (
    `INVITE sip:service@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-${callId}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:a@127.0.0.1>;tag=x\r\nTo: <sip:service@127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`
  );
}

describe('load over TCP', () => {
  test('UAC → our UAS: 300 calls on one connection all complete, with no retransmission on either side', async () => {
    const uas = await startLoad({ mode: 'uas', transport: 'tcp' });
    try {
      const r = await runLoad({ target: `127.0.0.1:${uas.local.port}`, transport: 'tcp', rate: 150, calls: 300 });
      expect(r.transport).toBe('tcp');
      expect(r.io).toBe('tcp');
      expect(r.calls).toMatchObject({ started: 300, completed: 300, failed: 0 });
      expect(r.failures).toEqual({});
      expect(r.unparseable).toBe(0);
      const u = await uas.stop();
      expect(u.transport).toBe('tcp');
      expect(u.calls).toMatchObject({ started: 300, completed: 300, failed: 0 });
      // On one connection: the UAS saw every call from the same remote port.
      expect(u.stray).toBe(0);
    } finally {
      await uas.stop();
    }
  });

  test('UAC: Via says TCP, Contact asks for transport=tcp (§18.1.1, §19.1.1), and split, coalesced responses are framed by Content-Length (§18.3)', async () => {
    let sent = false;
    const peer = await rawServer((text, socket) => {
      if (text.startsWith('INVITE') && !sent) {
        sent = true;
        const copy = (name: string) => `${name}: ${header(text, name)}\r\n`;
        const common =
          copy('Via') + copy('From') + `To: ${header(text, 'To')};tag=srv\r\n` + copy('Call-ID') + copy('CSeq');
        const sdp =
          'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n';
        const bytes = Buffer.from(
          `SIP/2.0 180 Ringing\r\n${common}Content-Length: 0\r\n\r\n` +
            `SIP/2.0 200 OK\r\n${common}Contact: <sip:srv@127.0.0.1:${(socket.address() as net.AddressInfo).port};transport=tcp>\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`,
          'latin1',
        );
        // Three writes that cut through a header line and through the body.
        const cuts = [17, 150, bytes.length - 9];
        let from = 0;
        cuts.forEach((to, i) => setTimeout(() => socket.write(bytes.subarray(from, (from = to))), 20 * i));
        setTimeout(() => socket.write(bytes.subarray(from)), 80);
      } else if (text.includes('BYE ')) {
        const bye = text.slice(text.indexOf('BYE '));
        socket.write(
          `SIP/2.0 200 OK\r\nVia: ${header(bye, 'Via')}\r\nFrom: ${header(bye, 'From')}\r\nTo: ${header(bye, 'To')}\r\nCall-ID: ${header(bye, 'Call-ID')}\r\nCSeq: ${header(bye, 'CSeq')}\r\nContent-Length: 0\r\n\r\n`,
        );
      }
    });
    try {
      const r = await runLoad({ target: `127.0.0.1:${peer.port}`, transport: 'tcp', calls: 1, t1Ms: 100 });
      expect(r.failures).toEqual({});
      expect(r.calls).toMatchObject({ started: 1, completed: 1, failed: 0 });
      const stream = peer.received.join('');
      const inv = stream.slice(0, stream.indexOf('\r\n\r\n'));
      expect(inv).toMatch(/^INVITE sip:service@127\.0\.0\.1:\d+ SIP\/2\.0/);
      expect(header(inv, 'Via')).toMatch(/^SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=z9hG4bK/);
      expect(header(inv, 'Contact')).toMatch(/^<sip:sipconf@127\.0\.0\.1:\d+;transport=tcp>$/);
      // The ACK and BYE follow the 200's Contact on the same connection.
      expect(stream).toMatch(/\r\nACK sip:srv@127\.0\.0\.1:\d+;transport=tcp SIP\/2\.0\r\n/);
      expect(stream).toMatch(/\r\nBYE sip:srv@127\.0\.0\.1:\d+;transport=tcp SIP\/2\.0\r\n/);
    } finally {
      await peer.close();
    }
  });

  test('UAC toward a peer that never answers: no Timer A retransmission on TCP (§17.1.1.2), each call fails as timeout-invite after Timer B = 64·T1', async () => {
    const peer = await rawServer(() => undefined);
    try {
      const t1 = 20;
      const t0 = Date.now();
      const r = await runLoad({ target: `127.0.0.1:${peer.port}`, transport: 'tcp', rate: 100, calls: 5, t1Ms: t1 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(64 * t1);
      expect(r.failures).toEqual({ 'timeout-invite': 5 });
      expect(r.retransmissions).toBe(0);
      // Five INVITEs on the wire, each once.
      expect(peer.received.join('').match(/^INVITE /gm)).toHaveLength(5);
    } finally {
      await peer.close();
    }
  });

  test('UAS: answers on the connection the INVITE came on, retransmits the 2xx until the ACK even on TCP (§13.3.1.4), and answers a CRLF CRLF ping with a CRLF pong (RFC 5626 §3.5.1)', async () => {
    const t1 = 20;
    const uas = await startLoad({ mode: 'uas', transport: 'tcp', t1Ms: t1, t2Ms: 80 });
    const a = await rawClient(uas.local.port);
    const b = await rawClient(uas.local.port);
    try {
      a.socket.write(invite(uas.local.port, 'tcp-noack'));
      b.socket.write('\r\n\r\n');
      await until(() => b.text() === '\r\n', 2000, 'the pong');
      await new Promise((r) => setTimeout(r, 64 * t1 + 300));
      const u = await uas.stop();
      const lines = statusLines(a.text());
      expect(lines[0]).toBe('SIP/2.0 180 Ringing');
      expect(lines.filter((l) => l === 'SIP/2.0 200 OK').length).toBeGreaterThanOrEqual(4);
      expect(header(a.text(), 'Contact')).toMatch(/;transport=tcp>$/);
      expect(b.text()).toBe('\r\n'); // nothing for the INVITE reached the other connection
      expect(u.failures).toEqual({ 'no-ack': 1 });
    } finally {
      await a.close();
      await b.close();
      await uas.stop();
    }
  });

  test('UAS: bytes that cannot be framed (no Content-Length, §18.3) are counted unparseable and that connection is closed; the others go on', async () => {
    // T1 10 ms: the good call, never ACKed, ends as no-ack after 640 ms instead of draining for 64·500 ms.
    const uas = await startLoad({ mode: 'uas', transport: 'tcp', t1Ms: 10 });
    const bad = await rawClient(uas.local.port);
    const good = await rawClient(uas.local.port);
    try {
      const closed = new Promise<void>((r) => bad.socket.once('close', () => r()));
      bad.socket.write(invite(uas.local.port, 'tcp-bad').replace('Content-Length: 0\r\n', ''));
      await closed;
      good.socket.write(invite(uas.local.port, 'tcp-good'));
      await until(() => statusLines(good.text()).includes('SIP/2.0 200 OK'), 2000, 'the 200 on the other connection');
      const u = await uas.stop();
      expect(u.unparseable).toBe(1);
      expect(u.failures).toEqual({ 'no-ack': 1 });
    } finally {
      await bad.close();
      await good.close();
      await uas.stop();
    }
  });

  test('a target that drops the connection ends the run at once: the calls in flight fail as connection-lost, none waits out Timer B (§17.1.4)', async () => {
    const peer = await rawServer((text, socket) => {
      if (text.includes('INVITE ')) socket.destroy();
    });
    try {
      const t0 = Date.now();
      const r = await runLoad({ target: `127.0.0.1:${peer.port}`, transport: 'tcp', rate: 50, calls: 50, t1Ms: 500 });
      expect(Date.now() - t0).toBeLessThan(64 * 500); // Timer B would be 32 s
      expect(r.connectionLost).toMatch(/^the (target closed the connection|connection to the target was reset)$/);
      expect(r.failures['connection-lost']).toBeGreaterThanOrEqual(1);
      expect(r.calls.started).toBeLessThan(50);
      expect(r.calls.failed).toBe(r.calls.started);
    } finally {
      await peer.close();
    }
  });

  test('usage: the outbound scenario is UDP only (STUN keep-alives); a refused connection names the target', async () => {
    await expect(
      runLoad({ target: '127.0.0.1:5060', transport: 'tcp', scenario: 'outbound', calls: 1 }),
    ).rejects.toThrow(/outbound scenario runs over udp only/);
    const peer = await rawServer(() => undefined);
    const port = peer.port;
    await peer.close();
    const refused = runLoad({ target: `127.0.0.1:${port}`, transport: 'tcp', calls: 1 });
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(new RegExp(`cannot connect over TCP to 127\\.0\\.0\\.1:${port}`));
    await expect(runLoad({ target: '127.0.0.1:5060', transport: 'sctp' as never, calls: 1 })).rejects.toThrow(
      /transport must be udp or tcp/,
    );
  });
});

describe('load over TCP against SIPp 3.6 (-t t1)', () => {
  const dirs: string[] = [];
  const runDir = (name: string) => {
    const d = mkdtempSync(join(tmpdir(), `sipconf-load-tcp-${name}-`));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('our TCP UAC → SIPp -sn uas -t t1: 200 calls complete on both sides; lingering, we let SIPp close the connection', async () => {
    const uas = startSipp({
      builtin: 'uas',
      transport: 'tcp',
      calls: 200,
      hardTimeoutMs: 60_000,
      runDir: runDir('uas'),
    });
    try {
      const at = await uas.ready;
      // SIPp's uas ends each call with a 4 s pause (to absorb retransmissions) and fails a call whose connection
      // closes during it (its own uac -t t1 loses the last call so: 49 of 50 in a run here). Linger, so that SIPp,
      // done with its 200 calls, closes the connection first.
      const r = await runLoad({ target: at, transport: 'tcp', rate: 200, calls: 200, lingerMs: 10_000 });
      expect(r.failures).toEqual({});
      expect(r.calls).toMatchObject({ started: 200, completed: 200, failed: 0 });
      const server = await uas.result;
      expect(server.verdict.status).toBe('passed');
      expect(server.stats?.calls).toEqual(expect.objectContaining({ incoming: 200, successful: 200, failed: 0 }));
    } finally {
      await uas.stop();
    }
  }, 70_000);

  test('SIPp -sn uac -t t1 → our TCP UAS: 200 calls complete on both sides', async () => {
    const uas = await startLoad({ mode: 'uas', transport: 'tcp' });
    try {
      const uac = await runSipp({
        builtin: 'uac',
        transport: 'tcp',
        target: uas.local,
        calls: 200,
        rate: 200,
        hardTimeoutMs: 60_000,
        runDir: runDir('uac'),
      });
      expect(uac.verdict).toEqual(expect.objectContaining({ status: 'passed', ok: true }));
      expect(uac.stats?.calls).toEqual(expect.objectContaining({ successful: 200, failed: 0 }));
      const u = await uas.stop();
      expect(u.calls).toMatchObject({ started: 200, completed: 200, failed: 0 });
    } finally {
      await uas.stop();
    }
  }, 70_000);
});
