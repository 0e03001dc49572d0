/**
 * Keep-alives (RFC 5626 §3.5.1 CRLF ping/pong on streams, §4.4.2 STUN on UDP, §4.4.1 the client's timer and the
 * flow failure when the pong is missing), exercised between two layers and against raw sockets.
 */
import * as dgram from 'node:dgram';
import type { Flow, InboundMessage, TransportProtocol } from '../../src/transport/types';
import { decodeStun, encodeBindingRequest, STUN_BINDING_SUCCESS } from '../../src/transport/stun';
import type { Endpoint } from '../../src/transport/types';
import { agentPair, collectMessages, endpointOf, nextEvent, sipRequest, sleep, waitFor } from './helpers';

type Pair = Awaited<ReturnType<typeof agentPair>>;

async function connected(
  transport: TransportProtocol,
  opts: Parameters<typeof agentPair>[2] = {},
): Promise<{ p: Pair; a: Flow; b: Flow }> {
  const p = await agentPair(transport, 4, opts);
  const got = nextEvent<[InboundMessage]>(p.bob, 'message');
  const a = await p.alice.send(endpointOf(p.bobListener), transport, sipRequest(0));
  const [m] = await got;
  return { p, a, b: m.flow };
}

describe.each<TransportProtocol>(['tcp', 'tls'])('CRLF keep-alive over %s (RFC 5626 §3.5.1)', (transport) => {
  test('a double-CRLF ping is answered by a single-CRLF pong, both ways; RTT reported; trace exact', async () => {
    const { p, a, b } = await connected(transport);
    try {
      const bobPinged = nextEvent<[Flow]>(p.bob, 'ping');
      const alicePong = nextEvent<[Flow, number]>(p.alice, 'pong');
      await a.ping();
      expect((await bobPinged)[0]).toBe(b);
      const [pf, rtt] = await alicePong;
      expect(pf).toBe(a);
      expect(rtt).toBeGreaterThanOrEqual(0);
      expect(rtt).toBeLessThan(1000);

      const alicePinged = nextEvent<[Flow]>(p.alice, 'ping');
      const bobPong = nextEvent<[Flow, number]>(p.bob, 'pong');
      await b.ping();
      expect((await alicePinged)[0]).toBe(a);
      expect((await bobPong)[0]).toBe(b);

      const ka = p.trace.entries
        .filter((e) => e.kind === 'keepalive')
        .map((e) => [e.agent, e.direction, e.flowId, e.data.toString('hex')]);
      expect(ka).toEqual([
        ['alice', 'out', a.id, '0d0a0d0a'],
        ['bob', 'in', b.id, '0d0a0d0a'],
        ['bob', 'out', b.id, '0d0a'],
        ['alice', 'in', a.id, '0d0a'],
        ['bob', 'out', b.id, '0d0a0d0a'],
        ['alice', 'in', a.id, '0d0a0d0a'],
        ['alice', 'out', a.id, '0d0a'],
        ['bob', 'in', b.id, '0d0a'],
      ]);
    } finally {
      await p.close();
    }
  });
});

describe('STUN keep-alive over UDP (RFC 5626 §4.4.2, RFC 5389 §7.3)', () => {
  test('a Binding request is answered with XOR-MAPPED-ADDRESS = the requester; pong with RTT and mapped address', async () => {
    const { p, a, b } = await connected('udp');
    try {
      const bobPinged = nextEvent<[Flow]>(p.bob, 'ping');
      const alicePong = nextEvent<[Flow, number, Endpoint]>(p.alice, 'pong');
      await a.ping();
      expect((await bobPinged)[0]).toBe(b);
      const [pf, rtt, mapped] = await alicePong;
      expect(pf).toBe(a);
      expect(rtt).toBeGreaterThanOrEqual(0);
      expect(rtt).toBeLessThan(1000);
      expect(mapped).toEqual(p.aliceListener.local);
      const stun = p.trace.entries.filter((e) => e.kind === 'stun');
      expect(stun.map((e) => [e.agent, e.direction])).toEqual([
        ['alice', 'out'],
        ['bob', 'in'],
        ['bob', 'out'],
        ['alice', 'in'],
      ]);
      const req = decodeStun(stun[0]!.data)!;
      const res = decodeStun(stun[2]!.data)!;
      expect(req.type).toBe(0x0001);
      expect(res.type).toBe(STUN_BINDING_SUCCESS);
      expect(res.transactionId.equals(req.transactionId)).toBe(true);
      expect(res.mapped).toEqual(p.aliceListener.local);
      // STUN never surfaces as a SIP message.
      expect(p.trace.entries.filter((e) => e.kind === 'sip')).toHaveLength(2);
    } finally {
      await p.close();
    }
  });

  test('over IPv6 (::1) the XOR-MAPPED-ADDRESS carries the IPv6 source (RFC 5389 §15.2: XOR with cookie + tid)', async () => {
    const p = await agentPair('udp', 6);
    try {
      const got = nextEvent<[InboundMessage]>(p.bob, 'message');
      const a = await p.alice.send(endpointOf(p.bobListener), 'udp', sipRequest(0));
      await got;
      const pong = nextEvent<[Flow, number, Endpoint]>(p.alice, 'pong');
      await a.ping();
      const [, , mapped] = await pong;
      expect(mapped).toEqual({ address: '::1', port: p.aliceListener.local.port });
    } finally {
      await p.close();
    }
  });

  test('a raw UDP client gets a Binding success naming its own address and port (RFC 5389 §15.2)', async () => {
    const { p } = await connected('udp');
    const sock = dgram.createSocket('udp4');
    try {
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
      const reply = new Promise<Buffer>((r) => sock.once('message', (d) => r(d)));
      const req = encodeBindingRequest();
      sock.send(req, p.bobListener.local.port, '127.0.0.1');
      const res = decodeStun(await reply)!;
      expect(res.type).toBe(STUN_BINDING_SUCCESS);
      expect(res.transactionId.equals(req.subarray(8, 20))).toBe(true);
      expect(res.mapped).toEqual({ address: '127.0.0.1', port: sock.address().port });
    } finally {
      sock.close();
      await p.close();
    }
  });

  test('bare CRLF datagrams are keep-alives, never messages (RFC 5626 §3.5.1, RFC 3261 §7.5)', async () => {
    const { p } = await connected('udp');
    const sock = dgram.createSocket('udp4');
    try {
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
      const msgs = collectMessages(p.bob);
      const pinged = nextEvent<[Flow]>(p.bob, 'ping');
      sock.send(Buffer.from('\r\n\r\n'), p.bobListener.local.port, '127.0.0.1');
      const [f] = await pinged;
      expect(f.remote).toEqual({ address: '127.0.0.1', port: sock.address().port });
      await sleep(50);
      expect(msgs).toHaveLength(0);
      const last = p.trace.entries.at(-1)!;
      expect([last.agent, last.direction, last.kind, last.data.toString('hex')]).toEqual([
        'bob',
        'in',
        'keepalive',
        '0d0a0d0a',
      ]);
    } finally {
      sock.close();
      await p.close();
    }
  });
});

describe.each<TransportProtocol>(['tcp', 'udp'])('keep-alive timer over %s (RFC 5626 §4.4.1)', (transport) => {
  test('pings every interval while pongs come back; a silent peer → keepalive-timeout within interval + timeout', async () => {
    const { p, a, b } = await connected(transport);
    try {
      const pongs: number[] = [];
      p.alice.on('pong', (_f: Flow, rtt: number) => pongs.push(rtt));
      const timeouts: Flow[] = [];
      p.alice.on('keepalive-timeout', (f: Flow) => timeouts.push(f));
      p.alice.startKeepalive(a, { intervalMs: 50, timeoutMs: 150 });
      await sleep(400);
      expect(pongs.length).toBeGreaterThanOrEqual(3);
      expect(pongs.length).toBeLessThanOrEqual(9);
      expect(timeouts).toHaveLength(0);

      b.silence();
      const t0 = performance.now();
      const [tf] = await nextEvent<[Flow]>(p.alice, 'keepalive-timeout', 2000);
      const elapsed = performance.now() - t0;
      expect(tf).toBe(a);
      // The first unanswered ping may have left up to one interval before silence() (its pong swallowed by it).
      expect(elapsed).toBeGreaterThanOrEqual(150 - 50 - 5);
      expect(elapsed).toBeLessThan(50 + 150 + 500);
      expect(a.closed).toBe(false); // the caller decides what a failed flow means
      const marks = p.trace.entries
        .filter((e) => e.kind === 'fault' && e.agent === 'alice')
        .map((e) => `${e.direction} ${e.note}`);
      expect(marks).toEqual(['in keepalive timeout: no pong within 150 ms (RFC 5626 §4.4.1)']);
      // The timer stopped: no more pings leave.
      const sent = p.trace.entries.filter(
        (e) => e.agent === 'alice' && e.direction === 'out' && e.kind !== 'fault',
      ).length;
      await sleep(200);
      expect(
        p.trace.entries.filter((e) => e.agent === 'alice' && e.direction === 'out' && e.kind !== 'fault').length,
      ).toBe(sent);
    } finally {
      await p.close();
    }
  });

  test('autoPong:false (a SUT fault) suppresses the answer: the peer still sees the ping, the pinger times out', async () => {
    const { p, a } = await connected(transport, { bob: { autoPong: false } });
    try {
      const bobPings: Flow[] = [];
      p.bob.on('ping', (f: Flow) => bobPings.push(f));
      p.alice.startKeepalive(a, { intervalMs: 40, timeoutMs: 120 });
      await nextEvent(p.alice, 'keepalive-timeout', 2000);
      expect(bobPings.length).toBeGreaterThanOrEqual(1);
      expect(p.trace.entries.filter((e) => e.agent === 'bob' && e.direction === 'out' && e.kind !== 'sip')).toEqual([]);
      // Let bob read every ping alice sent before answering again: pongs to a backlog of pings would leave together,
      // and on a stream CRLF CRLF from coalesced pongs reads as a ping (RFC 5626 §3.5.1), not as pongs.
      const alicePings = p.trace.entries.filter(
        (e) => e.agent === 'alice' && e.direction === 'out' && e.kind === 'keepalive',
      ).length;
      await waitFor(() => bobPings.length >= alicePings, `bob to read all ${alicePings} pings`);
      p.bob.autoPong = true; // switched back on mid-check
      const pong = nextEvent(p.alice, 'pong');
      await a.ping();
      await pong;
    } finally {
      await p.close();
    }
  });

  test('stopKeepalive stops the pings', async () => {
    const { p, a } = await connected(transport);
    try {
      p.alice.startKeepalive(a, { intervalMs: 30, timeoutMs: 500 });
      await sleep(100);
      p.alice.stopKeepalive(a);
      const count = (): number =>
        p.trace.entries.filter((e) => e.agent === 'alice' && e.direction === 'out' && e.kind !== 'sip').length;
      const n = count();
      expect(n).toBeGreaterThanOrEqual(2);
      await sleep(120);
      expect(count()).toBe(n);
    } finally {
      await p.close();
    }
  });
});

test('an unsolicited CRLF pong is reported with rttMs NaN once the next bytes show it is not half a ping', async () => {
  const { p, a } = await connected('tcp');
  try {
    const pong = nextEvent<[Flow, number]>(p.bob, 'pong');
    // A lone CRLF nobody awaits is held until the next bytes (a ping may arrive split: RFC 5626 §3.5.1).
    await a.send(Buffer.from('\r\n'), 'keepalive');
    await a.send(Buffer.from('OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    expect(Number.isNaN((await pong)[1])).toBe(true);
  } finally {
    await p.close();
  }
});
