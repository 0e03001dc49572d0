/**
 * Fault injection on a flow, each observed FROM THE OTHER SIDE over real loopback sockets: reset (RST), close
 * (FIN), silence, drop, duplicate, delay. These are the faults RFC 5626 §4.4/§5.3 checks (430 Flow Failed,
 * keep-alive failure) are built on. Time bounds are generous: loopback is fast, CI machines are not.
 */
import type { Flow, InboundMessage, TransportProtocol } from '../../src/transport/types';
import { TransportError } from '../../src/transport/types';
import { agentPair, collectMessages, endpointOf, nextEvent, sipRequest, sleep, waitFor } from './helpers';

type Pair = Awaited<ReturnType<typeof agentPair>>;

/** Alice opens a flow to Bob and one message crosses it, so both sides hold the flow. */
async function connected(transport: TransportProtocol, family: 4 | 6 = 4): Promise<{ p: Pair; a: Flow; b: Flow }> {
  const p = await agentPair(transport, family);
  const got = nextEvent<[InboundMessage]>(p.bob, 'message');
  const a = await p.alice.send(endpointOf(p.bobListener), transport, sipRequest(0));
  const [m] = await got;
  return { p, a, b: m.flow };
}

function faultNotes(p: Pair, agent: string): string[] {
  return p.trace.entries.filter((e) => e.kind === 'fault' && e.agent === agent).map((e) => e.note ?? '');
}

describe.each<TransportProtocol>(['tcp', 'tls'])('connection faults over %s', (transport) => {
  test('reset() → the peer sees flow-close reason "reset" within 1 s; both ends are in the trace', async () => {
    const { p, a, b } = await connected(transport);
    try {
      const aliceClosed = nextEvent<[Flow, string]>(p.alice, 'flow-close');
      const bobClosed = nextEvent<[Flow, string]>(p.bob, 'flow-close', 1000);
      const t0 = performance.now();
      a.reset();
      const [bf, reason] = await bobClosed;
      const elapsed = performance.now() - t0;
      expect(bf).toBe(b);
      expect(reason).toBe('reset');
      expect(elapsed).toBeLessThan(1000);
      expect(await aliceClosed).toEqual([a, 'local']);
      expect(a.closed && b.closed).toBe(true);
      expect(b.closeReason).toBe('reset');
      expect(faultNotes(p, 'alice')).toEqual(['reset']);
      expect(faultNotes(p, 'bob')).toEqual(['remote reset']);
      await expect(b.send(sipRequest(1))).rejects.toBeInstanceOf(TransportError);
      await expect(a.send(sipRequest(1))).rejects.toThrow(/flow is closed \(local\)/);
    } finally {
      await p.close();
    }
  });

  test('close() → the peer sees flow-close reason "fin" within 1 s; close() resolves once the socket is gone', async () => {
    const { p, a, b } = await connected(transport);
    try {
      const bobClosed = nextEvent<[Flow, string]>(p.bob, 'flow-close', 1000);
      await a.close();
      const [bf, reason] = await bobClosed;
      expect(bf).toBe(b);
      expect(reason).toBe('fin');
      expect(faultNotes(p, 'alice')).toEqual(['close']);
      expect(faultNotes(p, 'bob')).toEqual(['remote close']);
      await expect(b.send(sipRequest(1))).rejects.toThrow(/flow is closed \(fin\)/);
      await a.close(); // idempotent
    } finally {
      await p.close();
    }
  });
});

describe('silence', () => {
  test.each<TransportProtocol>(['tcp', 'udp'])(
    'over %s: nothing arrives either way while the socket stays open; silence(false) restores it',
    async (transport) => {
      const { p, a, b } = await connected(transport);
      try {
        const aliceGot = collectMessages(p.alice);
        const bobGot = collectMessages(p.bob);
        a.silence();
        await a.send(sipRequest(1)); // swallowed: resolves, never reaches the wire
        await b.send(sipRequest(2)); // reaches alice's socket, swallowed there
        await b.ping(); // no pong comes back from a silent peer
        const pongs: unknown[] = [];
        p.bob.on('pong', (...args: unknown[]) => pongs.push(args));
        await sleep(300);
        expect(aliceGot).toHaveLength(0);
        expect(bobGot).toHaveLength(0);
        expect(pongs).toHaveLength(0);
        expect(a.closed || b.closed).toBe(false);
        expect(p.alice.flows()).toContain(a);

        a.silence(false);
        const back = nextEvent<[InboundMessage]>(p.bob, 'message');
        await a.send(sipRequest(3));
        expect((await back)[0].data.equals(sipRequest(3))).toBe(true);
        expect(faultNotes(p, 'alice')).toEqual([
          'silence on',
          'swallowed (silence): sip',
          'swallowed (silence): sip',
          `swallowed (silence): ${transport === 'udp' ? 'stun' : 'keepalive'}`,
          'silence off',
        ]);
      } finally {
        await p.close();
      }
    },
  );
});

describe('drop, duplicate and delay (counted at the other side)', () => {
  test('drop(2, "out") over UDP: of five requests the peer receives only the last three', async () => {
    const { p, a } = await connected('udp');
    try {
      const got = collectMessages(p.bob);
      a.drop(2, 'out');
      for (let i = 1; i <= 5; i++) await a.send(sipRequest(i));
      await waitFor(() => got.length >= 3, 'three datagrams');
      await sleep(100);
      expect(got.map((m) => m.data.toString())).toEqual([3, 4, 5].map((i) => sipRequest(i).toString()));
      expect(faultNotes(p, 'alice')).toEqual(['drop 2 out', 'dropped (drop out)', 'dropped (drop out)']);
    } finally {
      await p.close();
    }
  });

  test('drop(1, "in") over TCP: the first of two responses is discarded on arrival, the second delivered', async () => {
    const { p, a, b } = await connected('tcp');
    try {
      const got = collectMessages(p.alice);
      a.drop(1, 'in');
      await b.send(sipRequest(1));
      await b.send(sipRequest(2));
      await waitFor(() => got.length >= 1, 'one message');
      await sleep(100);
      expect(got.map((m) => m.data.toString())).toEqual([sipRequest(2).toString()]);
      expect(faultNotes(p, 'alice')).toEqual(['drop 1 in', 'dropped (drop in)']);
    } finally {
      await p.close();
    }
  });

  test('drop(2) (both): the next two messages in either direction are lost, then traffic flows', async () => {
    const { p, a, b } = await connected('udp');
    try {
      const aliceGot = collectMessages(p.alice);
      const bobGot = collectMessages(p.bob);
      a.drop(2);
      await a.send(sipRequest(1)); // dropped (out)
      await b.send(sipRequest(2)); // dropped (in)
      await waitFor(() => faultNotes(p, 'alice').includes('dropped (drop in)'), 'the inbound drop');
      await a.send(sipRequest(3));
      await b.send(sipRequest(4));
      await waitFor(() => aliceGot.length === 1 && bobGot.length === 1, 'one message each way');
      await sleep(100);
      expect(bobGot.map((m) => m.data.toString())).toEqual([sipRequest(3).toString()]);
      expect(aliceGot.map((m) => m.data.toString())).toEqual([sipRequest(4).toString()]);
    } finally {
      await p.close();
    }
  });

  test.each<TransportProtocol>(['udp', 'tcp'])(
    'duplicate(2) over %s: three sends arrive as five messages, the first two twice',
    async (transport) => {
      const { p, a } = await connected(transport);
      try {
        const got = collectMessages(p.bob);
        a.duplicate(2);
        for (let i = 1; i <= 3; i++) await a.send(sipRequest(i));
        await waitFor(() => got.length >= 5, 'five messages');
        await sleep(100);
        expect(got.map((m) => m.data.toString())).toEqual([1, 1, 2, 2, 3].map((i) => sipRequest(i).toString()));
        const out = p.trace.entries.filter((e) => e.agent === 'alice' && e.kind === 'sip' && e.direction === 'out');
        expect(out.map((e) => e.note)).toEqual([undefined, undefined, 'duplicate', undefined, 'duplicate', undefined]);
      } finally {
        await p.close();
      }
    },
  );

  test.each<TransportProtocol>(['udp', 'tcp'])(
    'delay(200) over %s: sends and deliveries both arrive 200 ms late, in order',
    async (transport) => {
      const { p, a, b } = await connected(transport);
      try {
        const bobGot: Array<[number, string]> = [];
        p.bob.on('message', (m: InboundMessage) => bobGot.push([performance.now(), m.data.toString()]));
        a.delay(200);
        const t0 = performance.now();
        await Promise.all([1, 2, 3].map((i) => a.send(sipRequest(i))));
        await waitFor(() => bobGot.length === 3, 'three delayed messages');
        expect(bobGot.map(([, d]) => d)).toEqual([1, 2, 3].map((i) => sipRequest(i).toString()));
        for (const [t] of bobGot) {
          expect(t - t0).toBeGreaterThanOrEqual(190);
          expect(t - t0).toBeLessThan(2000);
        }
        // The delivery path: bob → alice is held 200 ms at alice.
        const t1 = performance.now();
        const back = nextEvent<[InboundMessage]>(p.alice, 'message');
        await b.send(sipRequest(9));
        await back;
        const late = performance.now() - t1;
        expect(late).toBeGreaterThanOrEqual(190);
        expect(late).toBeLessThan(2000);
        a.delay(0);
        const t2 = performance.now();
        const quick = nextEvent<[InboundMessage]>(p.bob, 'message');
        await a.send(sipRequest(10));
        await quick;
        expect(performance.now() - t2).toBeLessThan(180); // well under the 200 ms that delay() would add
        expect(faultNotes(p, 'alice')).toEqual(['delay 200ms', 'delay off']);
        const notes = p.trace.entries
          .filter((e) => e.agent === 'alice' && e.kind === 'sip')
          .map((e) => `${e.direction} ${e.note ?? ''}`);
        expect(notes).toEqual([
          'out ',
          'out delayed 200ms',
          'out delayed 200ms',
          'out delayed 200ms',
          'in delayed 200ms',
          'out ',
        ]);
      } finally {
        await p.close();
      }
    },
  );

  test('a flow closed during an injected delay rejects the pending send with TransportError', async () => {
    const { p, a } = await connected('tcp');
    try {
      a.delay(500);
      const pending = a.send(sipRequest(1));
      await sleep(20);
      a.reset();
      await expect(pending).rejects.toThrow(/closed during the injected delay/);
    } finally {
      await p.close();
    }
  });
});

describe('UDP flow close and reset (RFC 5626 §3.3: a 5-tuple)', () => {
  test.each(['close', 'reset'] as const)(
    '%s() forgets the flow: sends on it reject, later traffic makes a new flow',
    async (how) => {
      const { p, a, b } = await connected('udp');
      try {
        const closed = nextEvent<[Flow, string]>(p.alice, 'flow-close');
        if (how === 'close') await a.close();
        else a.reset();
        expect(await closed).toEqual([a, 'local']);
        await expect(a.send(sipRequest(1))).rejects.toBeInstanceOf(TransportError);
        const opened = nextEvent<[Flow]>(p.alice, 'flow-open');
        const got = nextEvent<[InboundMessage]>(p.alice, 'message');
        await b.send(sipRequest(2));
        const [nf] = await opened;
        expect((await got)[0].flow).toBe(nf);
        expect(nf.id).not.toBe(a.id);
        expect(nf.remote).toEqual(a.remote);
        expect(faultNotes(p, 'alice')).toEqual([how]);
      } finally {
        await p.close();
      }
    },
  );
});

test('IPv6 TCP reset is seen by the peer too (::1)', async () => {
  const { p, a } = await connected('tcp', 6);
  try {
    const bobClosed = nextEvent<[Flow, string]>(p.bob, 'flow-close', 1000);
    a.reset();
    expect((await bobClosed)[1]).toBe('reset');
  } finally {
    await p.close();
  }
});
