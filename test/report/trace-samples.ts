/**
 * Realistic trace entries for the report tests: an INVITE/200/ACK over UDP through a SUT on a non-5060 port,
 * REGISTERs on two TCP flows of one instance (RFC 5626), CRLF keep-alive, a flow reset and a 430 Flow Failed.
 */
import type { TraceEntry, TraceKind } from '../../src/transport/trace';
import type { Endpoint, TransportProtocol } from '../../src/transport/types';

export const SUT: Endpoint = { address: '127.0.0.1', port: 5070 };
export const ALICE_UDP: Endpoint = { address: '127.0.0.1', port: 40100 };
export const BOB_UDP: Endpoint = { address: '127.0.0.1', port: 40200 };
export const BOB_TCP1: Endpoint = { address: '127.0.0.1', port: 40201 };
export const BOB_TCP2: Endpoint = { address: '127.0.0.1', port: 40202 };

export function request(
  method: string,
  opts: { cseq?: number; from?: string; transport?: string; via?: Endpoint; body?: string; extra?: string[] } = {},
): Buffer {
  const via = opts.via ?? ALICE_UDP;
  const body = opts.body ?? '';
  const lines = [
    `${method} sip:bob@127.0.0.1:${SUT.port} SIP/2.0`,
    `Via: SIP/2.0/${(opts.transport ?? 'UDP').toUpperCase()} ${via.address}:${via.port};branch=z9hG4bK-${method.toLowerCase()}-${opts.cseq ?? 1};rport`,
    'Max-Forwards: 70',
    `From: <sip:${opts.from ?? 'alice'}@127.0.0.1>;tag=a1`,
    '<sip:bob@127.0.0.1>'.replace(/^/, 'To: '),
    `Call-ID: call-${method.toLowerCase()}@127.0.0.1`,
    `CSeq: ${opts.cseq ?? 1} ${method}`,
    `Contact: <sip:${opts.from ?? 'alice'}@${via.address}:${via.port}>`,
    ...(opts.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return Buffer.from(lines.join('\r\n'));
}

export function response(
  status: number,
  reason: string,
  method: string,
  cseq = 1,
  via: Endpoint = ALICE_UDP,
  transport = 'UDP',
): Buffer {
  return Buffer.from(
    [
      `SIP/2.0 ${status} ${reason}`,
      `Via: SIP/2.0/${transport} ${via.address}:${via.port};branch=z9hG4bK-${method.toLowerCase()}-${cseq};rport=${via.port};received=${via.address}`,
      'From: <sip:alice@127.0.0.1>;tag=a1',
      'To: <sip:bob@127.0.0.1>;tag=b1',
      `Call-ID: call-${method.toLowerCase()}@127.0.0.1`,
      `CSeq: ${cseq} ${method}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

export const SDP =
  'v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

export class TraceBuilder {
  readonly entries: TraceEntry[] = [];
  private t = Date.UTC(2026, 10, 24, 5, 0, 0, 0);
  private mono = 1000;

  add(e: {
    direction: 'in' | 'out';
    transport: TransportProtocol;
    local: Endpoint;
    remote?: Endpoint;
    flowId: string;
    kind?: TraceKind;
    data?: Buffer;
    agent?: string;
    note?: string;
    stepMs?: number;
  }): TraceEntry {
    const step = e.stepMs ?? 7.25;
    this.t += step;
    this.mono += step;
    const entry: TraceEntry = {
      seq: this.entries.length,
      mono: this.mono,
      wall: this.t,
      direction: e.direction,
      transport: e.transport,
      local: e.local,
      remote: e.remote ?? SUT,
      flowId: e.flowId,
      kind: e.kind ?? 'sip',
      data: e.data ?? Buffer.alloc(0),
      agent: e.agent,
      note: e.note,
    };
    this.entries.push(entry);
    return entry;
  }
}

/** INVITE → 100 → 200 → ACK over UDP, alice to the SUT and SUT to bob; then TCP REGISTER flows, ping/pong, reset, 430. */
export function sampleTrace(): TraceEntry[] {
  const b = new TraceBuilder();
  const u = (local: Endpoint, agent: string, direction: 'in' | 'out', data: Buffer, flowId = `udp:${local.port}`) =>
    b.add({ direction, transport: 'udp', local, flowId, data, agent });
  u(ALICE_UDP, 'alice', 'out', request('INVITE', { body: SDP }));
  u(ALICE_UDP, 'alice', 'in', response(100, 'Trying', 'INVITE'));
  u(BOB_UDP, 'bob', 'in', request('INVITE', { body: SDP, via: SUT }));
  u(BOB_UDP, 'bob', 'out', response(200, 'OK', 'INVITE', 1, SUT));
  u(ALICE_UDP, 'alice', 'in', response(200, 'OK', 'INVITE'));
  u(ALICE_UDP, 'alice', 'out', request('ACK'));
  // RFC 5626: two flows of one instance over TCP; REGISTER each, a keep-alive, then flow 1 is reset.
  const tcp = (
    local: Endpoint,
    flowId: string,
    direction: 'in' | 'out',
    data: Buffer,
    kind: TraceKind = 'sip',
    note?: string,
  ) => b.add({ direction, transport: 'tcp', local, flowId, data, agent: 'bob', kind, note });
  tcp(
    BOB_TCP1,
    'tcp-1',
    'out',
    request('REGISTER', {
      from: 'bob',
      via: BOB_TCP1,
      transport: 'TCP',
      extra: ['Supported: outbound', 'Expires: 600'],
    }),
  );
  tcp(BOB_TCP1, 'tcp-1', 'in', response(200, 'OK', 'REGISTER', 1, BOB_TCP1, 'TCP'));
  tcp(BOB_TCP2, 'tcp-2', 'out', request('REGISTER', { from: 'bob', via: BOB_TCP2, transport: 'TCP', cseq: 2 }));
  tcp(BOB_TCP2, 'tcp-2', 'in', response(200, 'OK', 'REGISTER', 2, BOB_TCP2, 'TCP'));
  tcp(BOB_TCP1, 'tcp-1', 'out', Buffer.from('\r\n\r\n'), 'keepalive');
  tcp(BOB_TCP1, 'tcp-1', 'in', Buffer.from('\r\n'), 'keepalive');
  tcp(BOB_TCP1, 'tcp-1', 'out', Buffer.alloc(0), 'fault', 'reset');
  u(ALICE_UDP, 'alice', 'out', request('INVITE', { cseq: 2, body: SDP }));
  u(ALICE_UDP, 'alice', 'in', response(430, 'Flow Failed', 'INVITE', 2));
  tcp(BOB_TCP2, 'tcp-2', 'out', Buffer.alloc(0), 'fault', 'close');
  return b.entries;
}
