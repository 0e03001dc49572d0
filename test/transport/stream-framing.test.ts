/**
 * Stream framing at the transport (RFC 3261 §18.3): a raw TCP client writes partial and coalesced data into a
 * TransportLayer; framing errors become 'garbage', close the flow (FIN) and never crash the layer.
 */
import * as net from 'node:net';
import { Trace } from '../../src/transport/trace';
import { TransportLayer } from '../../src/transport/transport-layer';
import type { Flow, InboundMessage, Listener } from '../../src/transport/types';
import { collectMessages, nextEvent, sipRequest, sleep, waitFor } from './helpers';

interface RawClient {
  socket: net.Socket;
  received: Buffer[];
  ended: Promise<void>;
  write(data: Buffer | string): Promise<void>;
}

async function rawClient(l: Listener): Promise<RawClient> {
  const socket = net.connect({ host: l.local.address, port: l.local.port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => socket.once('end', resolve));
  return {
    socket,
    received,
    ended,
    write: (d) => new Promise<void>((res, rej) => socket.write(d, (e) => (e ? rej(e) : res()))),
  };
}

describe('stream framing on TCP (RFC 3261 §18.3)', () => {
  let layer: TransportLayer;
  let trace: Trace;
  let l: Listener;
  let client: RawClient | undefined;

  beforeEach(async () => {
    trace = new Trace();
    layer = new TransportLayer({ trace, agent: 'bob' });
    l = await layer.listen({ transport: 'tcp' });
  });

  afterEach(async () => {
    client?.socket.destroy();
    client = undefined;
    await layer.close();
  });

  test('partial reads: a message written in 7-byte pieces is delivered once, whole, only after its last byte', async () => {
    const got = collectMessages(layer);
    client = await rawClient(l);
    const msg = sipRequest(1, 'hello body');
    for (let i = 0; i < msg.length - 1; i += 7) {
      await client.write(msg.subarray(i, Math.min(i + 7, msg.length - 1)));
      await sleep(1);
    }
    await sleep(50);
    expect(got).toHaveLength(0); // everything but the last byte arrived: nothing to deliver yet
    await client.write(msg.subarray(msg.length - 1));
    await waitFor(() => got.length === 1, 'the framed message');
    expect(got[0]!.data.equals(msg)).toBe(true);
    await sleep(20);
    expect(got).toHaveLength(1);
  });

  test('coalesced: three messages and a CRLFCRLF ping in one write arrive as three messages, a ping and our pong', async () => {
    const got = collectMessages(layer);
    const pings: Flow[] = [];
    layer.on('ping', (f: Flow) => pings.push(f));
    client = await rawClient(l);
    const [a, b, c] = [sipRequest(1), sipRequest(2, 'body-two'), sipRequest(3, 'three')];
    await client.write(Buffer.concat([a, b, Buffer.from('\r\n\r\n'), c]));
    await waitFor(() => got.length === 3, 'three messages');
    expect(got.map((m) => m.data.toString())).toEqual([a.toString(), b.toString(), c.toString()]);
    expect(pings).toHaveLength(1);
    await waitFor(() => Buffer.concat(client!.received).toString() === '\r\n', 'the CRLF pong (RFC 5626 §3.5.1)');
    expect(new Set(got.map((m) => m.flow.id)).size).toBe(1);
    const kinds = trace.entries.map((e) => `${e.direction} ${e.kind}`);
    expect(kinds).toEqual(['in sip', 'in sip', 'in keepalive', 'out keepalive', 'in sip']);
  });

  test('a message cut mid-body by the peer closing is never delivered; the flow closes with reason fin', async () => {
    const got = collectMessages(layer);
    client = await rawClient(l);
    const closed = nextEvent<[Flow, string]>(layer, 'flow-close');
    const msg = sipRequest(4, 'twenty bytes of body');
    await client.write(msg.subarray(0, msg.length - 5));
    client.socket.end();
    const [, reason] = await closed;
    expect(reason).toBe('fin');
    expect(got).toHaveLength(0);
  });

  test.each([
    [
      'no end of headers within 64 KiB',
      () => Buffer.from('OPTIONS sip:x SIP/2.0\r\nX-Filler: ' + 'a'.repeat(70 * 1024)),
      /no end of headers within 65536 bytes/,
    ],
    [
      'a Content-Length of 2 GB',
      () => Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 2000000000\r\n\r\n'),
      /Content-Length 2000000000 exceeds/,
    ],
    [
      'no Content-Length at all (§18.3 makes it mandatory on streams)',
      () => Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: x\r\n\r\n'),
      /without Content-Length/,
    ],
  ])(
    'garbage: %s → a garbage event, the flow closes with reason error and the peer sees our FIN',
    async (_name, bytes, reason) => {
      client = await rawClient(l);
      const garbage = nextEvent<[Flow, Buffer, string]>(layer, 'garbage');
      const closed = nextEvent<[Flow, string]>(layer, 'flow-close');
      await client.write(bytes());
      const [gFlow, , why] = await garbage;
      expect(why).toMatch(reason);
      const [cFlow, closeReason] = await closed;
      expect(cFlow).toBe(gFlow);
      expect(closeReason).toBe('error');
      expect(gFlow.closed).toBe(true);
      await client.ended; // the peer observes our FIN: bounded by jest's timeout, in practice immediate
      const g = trace.entries.filter((e) => e.kind === 'garbage');
      expect(g).toHaveLength(1);
      expect(g[0]!.note).toMatch(reason);
      expect(g[0]!.agent).toBe('bob');
      expect(trace.entries.filter((e) => e.kind === 'fault').map((e) => `${e.direction} ${e.note}`)).toEqual([
        'out close after framing error',
      ]);
      expect(layer.flows()).toEqual([]);
    },
  );

  test('the layer stays usable after garbage: a new connection delivers a valid message', async () => {
    client = await rawClient(l);
    const garbage = nextEvent(layer, 'garbage');
    await client.write('NOT SIP\r\nno length\r\n\r\n');
    await garbage;
    client.socket.destroy();
    client = await rawClient(l);
    const got = nextEvent<[InboundMessage]>(layer, 'message');
    await client.write(sipRequest(9));
    const [m] = await got;
    expect(m.data.equals(sipRequest(9))).toBe(true);
  });
});
