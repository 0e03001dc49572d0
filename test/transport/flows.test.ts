/**
 * Flow identity and reuse (RFC 5626 §3.3, §5.3; RFC 3261 §18.1.1, §18.2.2: reuse the connection), TLS
 * verification, connect failures, and a shutdown that leaves nothing open.
 */
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import { TransportLayer } from '../../src/transport/transport-layer';
import { TransportError } from '../../src/transport/types';
import type { Flow, InboundMessage } from '../../src/transport/types';
import { agentPair, endpointOf, loopbackCert, nextEvent, sipRequest } from './helpers';

describe('flow reuse (RFC 5626 §5.3, RFC 3261 §18.1.1)', () => {
  test('TCP: flowTo reuses the open connection; forceNew opens another; concurrent calls share one connect', async () => {
    const p = await agentPair('tcp');
    try {
      const bobOpens: Flow[] = [];
      p.bob.on('flow-open', (f: Flow) => bobOpens.push(f));
      const dest = endpointOf(p.bobListener);
      const [f1, f2, f3] = await Promise.all([
        p.alice.flowTo(dest, 'tcp'),
        p.alice.flowTo(dest, 'tcp'),
        p.alice.flowTo(dest, 'tcp'),
      ]);
      expect(f2).toBe(f1);
      expect(f3).toBe(f1);
      expect(await p.alice.flowTo(dest, 'tcp')).toBe(f1);
      const fresh = await p.alice.flowTo(dest, 'tcp', { forceNew: true });
      expect(fresh).not.toBe(f1);
      expect(fresh.id).not.toBe(f1.id);
      expect(fresh.local.port).not.toBe(f1.local.port);
      expect(await p.alice.flowTo(dest, 'tcp')).toBe(fresh); // the most recent open flow
      await new Promise((r) => setTimeout(r, 50));
      expect(bobOpens).toHaveLength(2);
      expect(p.alice.flows()).toEqual([f1, fresh]);
      await fresh.close();
      expect(await p.alice.flowTo(dest, 'tcp')).toBe(f1);
      f1.reset();
      const again = await p.alice.flowTo(dest, 'tcp');
      expect(again).not.toBe(f1);
      expect(again.closed).toBe(false);
    } finally {
      await p.close();
    }
  });

  test('TCP server side: a reply to the peer address goes back over the inbound connection (§18.2.2)', async () => {
    const p = await agentPair('tcp');
    try {
      const got = nextEvent<[InboundMessage]>(p.bob, 'message');
      const a = await p.alice.send(endpointOf(p.bobListener), 'tcp', sipRequest(1));
      const [m] = await got;
      expect(await p.bob.flowTo(m.flow.remote, 'tcp')).toBe(m.flow);
      const back = nextEvent<[InboundMessage]>(p.alice, 'message');
      const viaLayer = await p.bob.send(m.flow.remote, 'tcp', sipRequest(2));
      expect(viaLayer).toBe(m.flow);
      expect((await back)[0].flow).toBe(a);
    } finally {
      await p.close();
    }
  });

  test('UDP: one 5-tuple is one flow; sends and receipts on it share the flow', async () => {
    const p = await agentPair('udp');
    try {
      const dest = endpointOf(p.bobListener);
      const f1 = await p.alice.flowTo(dest, 'udp');
      expect(await p.alice.flowTo(dest, 'udp', { forceNew: true })).toBe(f1);
      const got = nextEvent<[InboundMessage]>(p.alice, 'message');
      await p.bob.send(endpointOf(p.aliceListener), 'udp', sipRequest(3));
      expect((await got)[0].flow).toBe(f1);
      expect(p.alice.getFlow(f1.id)).toBe(f1);
    } finally {
      await p.close();
    }
  });
});

test('UDP: a second listening port gives a second flow to the same remote (flowTo local option)', async () => {
  const p = await agentPair('udp');
  try {
    const second = await p.alice.listen({ transport: 'udp' });
    const dest = endpointOf(p.bobListener);
    const f1 = await p.alice.flowTo(dest, 'udp');
    const f2 = await p.alice.flowTo(dest, 'udp', { local: second.local });
    expect(f2).not.toBe(f1);
    expect(f1.local).toEqual(p.aliceListener.local);
    expect(f2.local).toEqual(second.local);
    const got = nextEvent<[InboundMessage]>(p.bob, 'message');
    await f2.send(sipRequest(1));
    expect((await got)[0].flow.remote).toEqual(second.local);
    await expect(p.alice.flowTo(dest, 'udp', { local: { address: '127.0.0.1', port: 1 } })).rejects.toThrow(
      /no UDP listener on 127\.0\.0\.1:1/,
    );
  } finally {
    await p.close();
  }
});

describe('connect failures and TLS verification', () => {
  test('TCP connect to a port nobody listens on rejects with TransportError (ECONNREFUSED), quickly', async () => {
    const layer = new TransportLayer({ agent: 'alice' });
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    try {
      const t0 = performance.now();
      const err = await p(layer.flowTo({ address: '127.0.0.1', port }, 'tcp'));
      expect(err).toBeInstanceOf(TransportError);
      expect((err as Error).message).toMatch(new RegExp(`tcp connect to 127.0.0.1:${port} failed: .*ECONNREFUSED`));
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(layer.flows()).toEqual([]);
    } finally {
      await layer.close();
    }
  });

  test('TLS: the server certificate is verified by default — an untrusted self-signed cert is refused', async () => {
    const { key, cert } = await loopbackCert();
    const server = new TransportLayer({ agent: 'bob' });
    const client = new TransportLayer({ agent: 'alice' }); // no CA given
    try {
      const l = await server.listen({ transport: 'tls', tls: { key, cert } });
      const err = await p(client.flowTo(endpointOf(l), 'tls'));
      expect(err).toBeInstanceOf(TransportError);
      expect((err as Error).message).toMatch(/tls connect to 127\.0\.0\.1:\d+ failed: self[- ]signed certificate/);
      expect(client.flows()).toEqual([]);
    } finally {
      await Promise.all([client.close(), server.close()]);
    }
  });

  test('TLS: rejectUnauthorized:false is an explicit opt-out and connects', async () => {
    const { key, cert } = await loopbackCert();
    const server = new TransportLayer({ agent: 'bob' });
    const client = new TransportLayer({ agent: 'alice', tls: { rejectUnauthorized: false } });
    try {
      const l = await server.listen({ transport: 'tls', tls: { key, cert } });
      const got = nextEvent<[InboundMessage]>(server, 'message');
      const f = await client.send(endpointOf(l), 'tls', sipRequest(1));
      expect(f.transport).toBe('tls');
      expect((await got)[0].data.equals(sipRequest(1))).toBe(true);
    } finally {
      await Promise.all([client.close(), server.close()]);
    }
  });

  test('TLS with a CA: the certificate is checked against 127.0.0.1 (IP SAN) and accepted', async () => {
    const p2 = await agentPair('tls');
    try {
      const f = await p2.alice.flowTo(endpointOf(p2.bobListener), 'tls');
      expect(f.reliable).toBe(true);
    } finally {
      await p2.close();
    }
  });

  test('listen tls without key/cert is a clear error', async () => {
    const layer = new TransportLayer();
    try {
      await expect(layer.listen({ transport: 'tls' })).rejects.toThrow(/tls\.key and tls\.cert are required/);
    } finally {
      await layer.close();
    }
  });
});

describe('close() (no open handles)', () => {
  const kinds = ['TCPServerWrap', 'TCPSocketWrap', 'TLSWrap', 'UDPWrap'];
  const handles = (): string[] =>
    process
      .getActiveResourcesInfo()
      .filter((k) => kinds.includes(k))
      .sort();
  const timers = (): number => process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;

  test('closes listeners, connections (both sides see it), keep-alive timers; idempotent; the layer refuses new work', async () => {
    const before = handles();
    const timersBefore = timers();
    const p = await agentPair('tls');
    const udpA = await p.alice.listen({ transport: 'udp' });
    const udpB = await p.bob.listen({ transport: 'udp' });
    const tcpB = await p.bob.listen({ transport: 'tcp', host: '::1' });
    const a = await p.alice.send(endpointOf(p.bobListener), 'tls', sipRequest(1));
    const u = await p.alice.send(endpointOf(udpB), 'udp', sipRequest(2));
    const t6 = await p.alice.send(endpointOf(tcpB), 'tcp', sipRequest(3));
    p.alice.startKeepalive(a, { intervalMs: 20, timeoutMs: 1000 });
    p.alice.startKeepalive(u, { intervalMs: 20, timeoutMs: 1000 });
    const closes: Array<[string, string]> = [];
    p.alice.on('flow-close', (f: Flow, r: string) => closes.push([f.id, r]));
    const bobSawFin = nextEvent<[Flow, string]>(p.bob, 'flow-close', 2000, (f: Flow) => f.transport === 'tls');
    expect(handles().length).toBeGreaterThan(before.length);
    expect(timers()).toBeGreaterThanOrEqual(timersBefore + 2); // the two keep-alive intervals

    const t0 = performance.now();
    await Promise.all([p.alice.close(), p.alice.close()]);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect((await bobSawFin)[1]).toBe('fin');
    expect(closes.map(([id]) => id).sort()).toEqual([a.id, u.id, t6.id].sort());
    expect(closes.every(([, r]) => r === 'local')).toBe(true);
    await expect(p.alice.flowTo(endpointOf(p.bobListener), 'tls')).rejects.toThrow(
      /transport layer of alice is closed/,
    );
    await expect(p.alice.listen({ transport: 'udp' })).rejects.toBeInstanceOf(TransportError);

    await p.bob.close();
    expect(handles()).toEqual(before);
    // The keep-alive timers are gone: nothing more is sent or recorded.
    const entries = p.trace.entries.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(p.trace.entries.length).toBe(entries);
    // The ports are free again.
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(udpA.local.port, '127.0.0.1', r));
    await new Promise<void>((r) => s.close(() => r()));
  });

  test('close() is bounded when the peer never answers our FIN (half-open raw client)', async () => {
    const layer = new TransportLayer({ agent: 'bob' });
    const l = await layer.listen({ transport: 'tcp' });
    const raw = net.connect({ host: '127.0.0.1', port: l.local.port, allowHalfOpen: true });
    raw.on('error', () => undefined);
    try {
      await nextEvent(layer, 'flow-open');
      const t0 = performance.now();
      await layer.close();
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      raw.destroy();
    }
  });
});

/** The rejection of a promise that must reject. */
async function p(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
