/**
 * Agent to agent over real loopback sockets, on every transport and both IP families (RFC 3261 §18): a request one
 * way, the response back over the same flow (§18.2.2), and the trace recording both ends exactly.
 */
import type { Flow, InboundMessage, TransportProtocol } from '../../src/transport/types';
import { agentPair, endpointOf, nextEvent, sipRequest } from './helpers';

const RESPONSE = Buffer.from(
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-test-1\r\nCall-ID: call-1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
);

const cases: Array<[TransportProtocol, 4 | 6]> = [
  ['udp', 4],
  ['tcp', 4],
  ['tls', 4],
  ['udp', 6],
  ['tcp', 6],
  ['tls', 6],
];

describe.each(cases)('agent to agent over %s on IPv%d (RFC 3261 §18, RFC 5626 §3.3 flows)', (transport, family) => {
  test('request out, response back over the same flow (§18.2.2), every byte in the trace', async () => {
    const p = await agentPair(transport, family);
    try {
      const bobOpened = nextEvent<[Flow]>(p.bob, 'flow-open');
      const bobGot = nextEvent<[InboundMessage]>(p.bob, 'message');
      const req = sipRequest(1, 'v=0\r\n');
      const aliceFlow = await p.alice.send(endpointOf(p.bobListener), transport, req);
      const [m] = await bobGot;
      const [opened] = await bobOpened;

      expect(m.data.equals(req)).toBe(true);
      expect(m.flow).toBe(opened);
      expect(m.flow.transport).toBe(transport);
      expect(m.flow.reliable).toBe(transport !== 'udp');
      expect(m.flow.remote).toEqual(aliceFlow.local);
      expect(m.flow.local).toEqual(aliceFlow.remote);
      expect(aliceFlow.remote).toEqual(p.bobListener.local);
      if (transport === 'udp')
        expect(aliceFlow.local).toEqual(p.aliceListener.local); // the 5-tuple from our listening socket
      else expect(aliceFlow.local.port).not.toBe(p.aliceListener.local.port); // an ephemeral client port
      expect(aliceFlow.id).toMatch(new RegExp(`^${transport}:\\S+-\\S+#\\d+$`));
      expect(p.bob.getFlow(m.flow.id)).toBe(m.flow);

      const aliceGot = nextEvent<[InboundMessage]>(p.alice, 'message');
      await m.flow.send(RESPONSE);
      const [r] = await aliceGot;
      expect(r.flow).toBe(aliceFlow);
      expect(r.data.equals(RESPONSE)).toBe(true);

      const sip = p.trace.entries.filter((e) => e.kind === 'sip');
      expect(sip.map((e) => [e.agent, e.direction, e.transport, e.flowId, e.data.toString()])).toEqual([
        ['alice', 'out', transport, aliceFlow.id, req.toString()],
        ['bob', 'in', transport, m.flow.id, req.toString()],
        ['bob', 'out', transport, m.flow.id, RESPONSE.toString()],
        ['alice', 'in', transport, aliceFlow.id, RESPONSE.toString()],
      ]);
      expect(sip[0]!.local).toEqual(aliceFlow.local);
      expect(sip[0]!.remote).toEqual(aliceFlow.remote);
      expect(sip[1]!.local).toEqual(m.flow.local);
      expect(sip.every((e, i) => i === 0 || e.mono >= sip[i - 1]!.mono)).toBe(true);
      expect(p.trace.entries.filter((e) => e.kind !== 'sip')).toEqual([]);
    } finally {
      await p.close();
    }
  });
});

test('a 60 000-byte message crosses TCP whole (§18.3 Content-Length framing over many reads)', async () => {
  const p = await agentPair('tcp');
  try {
    const big = sipRequest(7, 'x'.repeat(60_000));
    const got = nextEvent<[InboundMessage]>(p.bob, 'message');
    await p.alice.send(endpointOf(p.bobListener), 'tcp', big);
    const [m] = await got;
    expect(m.data.length).toBe(big.length);
    expect(m.data.equals(big)).toBe(true);
  } finally {
    await p.close();
  }
});

test('flowTo over UDP without a UDP listener of that family fails with a clear TransportError', async () => {
  const p = await agentPair('tcp');
  try {
    await expect(p.alice.flowTo({ address: '127.0.0.1', port: 9 }, 'udp')).rejects.toThrow(/no UDP listener for IPv4/);
    await expect(p.alice.flowTo({ address: '127.0.0.1', port: 9 }, 'udp')).rejects.toMatchObject({
      name: 'TransportError',
    });
  } finally {
    await p.close();
  }
});
