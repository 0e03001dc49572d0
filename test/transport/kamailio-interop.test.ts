/**
 * Interop with a real peer: Kamailio 5.6 (its stun module and core CRLF keep-alive handling) checks our STUN codec
 * and CRLF ping from an implementation we did not write. RFC 5626 §4.4.2 / §8 (STUN on the SIP UDP port),
 * RFC 5626 §3.5.1 (CRLF ping / pong on TCP), RFC 3261 §18 (a request and its response on one flow).
 * Kamailio missing is a failure here, never a skip (brief: real peers).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocatePorts } from '../../src/process/free-ports';
import { ProcessGroup } from '../../src/process/process-group';
import { TransportLayer } from '../../src/transport/transport-layer';
import { Trace } from '../../src/transport/trace';
import type { Endpoint, Flow, InboundMessage, TransportProtocol } from '../../src/transport/types';
import { nextEvent, sleep } from './helpers';

const KAMAILIO = process.env.SIPCONF_KAMAILIO ?? '/usr/sbin/kamailio';

function options(n: number, transport: TransportProtocol, from: Endpoint, port: number): Buffer {
  return Buffer.from(
    [
      `OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/${transport.toUpperCase()} ${from.address}:${from.port};branch=z9hG4bK-interop-${transport}-${n};rport`,
      'Max-Forwards: 70',
      `To: <sip:ping@127.0.0.1:${port}>`,
      `From: <sip:sipconf@127.0.0.1>;tag=interop${n}`,
      `Call-ID: interop-${transport}-${n}-${process.pid}@127.0.0.1`,
      `CSeq: ${n} OPTIONS`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

describe('interop with Kamailio (a real peer)', () => {
  let dir: string;
  let kam: ProcessGroup | undefined;
  let port: number;
  let stderr = '';
  let layer: TransportLayer;
  const trace = new Trace();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipconf-kam-'));
    [port] = await allocatePorts('127.0.0.1', 1);
    writeFileSync(
      join(dir, 'kamailio.cfg'),
      [
        '#!KAMAILIO',
        'debug=2',
        'log_stderror=yes',
        'children=1',
        'tcp_children=1',
        `listen=udp:127.0.0.1:${port}`,
        `listen=tcp:127.0.0.1:${port}`,
        `mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"`,
        'loadmodule "stun.so"',
        'loadmodule "sl.so"',
        'request_route { sl_send_reply("200", "OK"); exit; }',
        '',
      ].join('\n'),
    );
    kam = await ProcessGroup.spawn(
      KAMAILIO,
      ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-Y', dir, '-P', join(dir, 'kamailio.pid'), '-m', '32', '-M', '8'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ).catch((e: Error) => {
      throw new Error(`${e.message} (is the kamailio package installed?)`);
    });
    kam.child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    layer = new TransportLayer({ trace, agent: 'sipconf' });
    await layer.listen({ transport: 'udp' });
    // Ready when it answers an OPTIONS over UDP (bounded: 10 s).
    const deadline = Date.now() + 10_000;
    for (let n = 1; ; n++) {
      if (kam.exit) throw new Error(`kamailio exited with ${kam.exit.code ?? kam.exit.signal}: ${stderr}`);
      const flow = await layer.flowTo({ address: '127.0.0.1', port }, 'udp');
      const answered = nextEvent(layer, 'message', 300).then(
        () => true,
        () => false,
      );
      await flow.send(options(n, 'udp', flow.local, port));
      if (await answered) break;
      if (Date.now() > deadline)
        throw new Error(`kamailio on 127.0.0.1:${port} did not answer OPTIONS within 10 s: ${stderr}`);
      await sleep(100);
    }
  }, 20_000);

  afterAll(async () => {
    await layer?.close();
    await kam?.stop('SIGTERM', 5000);
    kam?.child.stderr?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 15_000);

  test('UDP: Kamailio answers our STUN Binding request; the XOR-MAPPED-ADDRESS names our listening socket', async () => {
    const flow = await layer.flowTo({ address: '127.0.0.1', port }, 'udp');
    const pong = nextEvent<[Flow, number, Endpoint]>(layer, 'pong', 3000, (f: Flow) => f === flow);
    await flow.ping();
    const [, rtt, mapped] = await pong;
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(mapped).toEqual(layer.listener('udp')!.local);
  });

  test('UDP: the keep-alive timer runs against Kamailio without a timeout', async () => {
    const flow = await layer.flowTo({ address: '127.0.0.1', port }, 'udp');
    let pongs = 0;
    const onPong = (f: Flow): void => void (f === flow && pongs++);
    layer.on('pong', onPong);
    const timeouts: Flow[] = [];
    layer.on('keepalive-timeout', (f: Flow) => timeouts.push(f));
    layer.startKeepalive(flow, { intervalMs: 50, timeoutMs: 500 });
    await sleep(400);
    layer.stopKeepalive(flow);
    layer.off('pong', onPong);
    expect(pongs).toBeGreaterThanOrEqual(3);
    expect(timeouts).toEqual([]);
  });

  test("TCP: OPTIONS → 200 on the same connection, and a CRLFCRLF ping gets Kamailio's CRLF pong", async () => {
    const flow = await layer.flowTo({ address: '127.0.0.1', port }, 'tcp');
    const got = nextEvent<[InboundMessage]>(layer, 'message', 3000, (m: InboundMessage) => m.flow === flow);
    await flow.send(options(1, 'tcp', flow.local, port));
    const [m] = await got;
    expect(m.data.toString()).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    const pong = nextEvent<[Flow, number]>(layer, 'pong', 3000, (f: Flow) => f === flow);
    await flow.ping();
    expect((await pong)[1]).toBeGreaterThanOrEqual(0);
    const ka = trace.entries
      .filter((e) => e.flowId === flow.id && e.kind === 'keepalive')
      .map((e) => `${e.direction} ${e.data.toString('hex')}`);
    expect(ka).toEqual(['out 0d0a0d0a', 'in 0d0a']);
  });
});
