import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipBytes, writePcap } from '../../src/report/pcap';
import type { Endpoint } from '../../src/transport/types';
import { ALICE_UDP, request, response, sampleTrace, TraceBuilder } from './trace-samples';
import { tshark } from './tools';

// An independent reading of the file: pcap records → Ethernet → IPv4/IPv6 → UDP/TCP, checksums recomputed here
// with a word-by-word sum (not the writer's code).
function sum16(buf: Buffer): number {
  const b = buf.length % 2 ? Buffer.concat([buf, Buffer.alloc(1)]) : buf;
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += b.readUInt16BE(i);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return s;
}
const verifies = (...parts: Buffer[]) => sum16(Buffer.concat(parts)) === 0xffff;

interface Parsed {
  tsSec: number;
  tsUsec: number;
  family: 4 | 6;
  proto: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags?: number;
  payload: Buffer;
}

function readPcap(file: Buffer): Parsed[] {
  expect(file.readUInt32LE(0)).toBe(0xa1b2c3d4);
  expect([file.readUInt16LE(4), file.readUInt16LE(6)]).toEqual([2, 4]);
  expect(file.readUInt32LE(16)).toBe(262144);
  expect(file.readUInt32LE(20)).toBe(1);
  const out: Parsed[] = [];
  let off = 24;
  while (off < file.length) {
    const inclLen = file.readUInt32LE(off + 8);
    expect(file.readUInt32LE(off + 12)).toBe(inclLen);
    const frame = file.subarray(off + 16, off + 16 + inclLen);
    expect(frame.length).toBe(inclLen);
    const p: Parsed = { tsSec: file.readUInt32LE(off), tsUsec: file.readUInt32LE(off + 4) } as Parsed;
    expect(p.tsUsec).toBeLessThan(1e6);
    off += 16 + inclLen;
    const ethType = frame.readUInt16BE(12);
    const ip = frame.subarray(14);
    let l4: Buffer;
    let pseudo: Buffer;
    if (ethType === 0x0800) {
      p.family = 4;
      expect(ip[0]).toBe(0x45);
      expect(ip.readUInt16BE(2)).toBe(ip.length);
      expect(verifies(ip.subarray(0, 20))).toBe(true);
      p.proto = ip[9];
      p.src = [...ip.subarray(12, 16)].join('.');
      p.dst = [...ip.subarray(16, 20)].join('.');
      l4 = ip.subarray(20);
      pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, p.proto, l4.length >> 8, l4.length & 0xff])]);
    } else {
      expect(ethType).toBe(0x86dd);
      p.family = 6;
      expect(ip[0] >> 4).toBe(6);
      expect(ip.readUInt16BE(4)).toBe(ip.length - 40);
      p.proto = ip[6];
      p.src = ip.subarray(8, 24).toString('hex');
      p.dst = ip.subarray(24, 40).toString('hex');
      l4 = ip.subarray(40);
      const len = Buffer.alloc(8);
      len.writeUInt32BE(l4.length, 0);
      len[7] = p.proto;
      pseudo = Buffer.concat([ip.subarray(8, 40), len]);
    }
    p.sport = l4.readUInt16BE(0);
    p.dport = l4.readUInt16BE(2);
    if (p.proto === 17) {
      expect(l4.readUInt16BE(4)).toBe(l4.length);
      expect(l4.readUInt16BE(6)).not.toBe(0);
      p.payload = l4.subarray(8);
    } else {
      expect(p.proto).toBe(6);
      p.seq = l4.readUInt32BE(4);
      p.ack = l4.readUInt32BE(8);
      p.flags = l4[13];
      p.payload = l4.subarray((l4[12] >> 4) * 4);
    }
    expect(verifies(pseudo, l4)).toBe(true);
    out.push(p);
  }
  return out;
}

describe('pcap writer (classic libpcap, Ethernet, synthesized IP/UDP/TCP)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipconf-pcap-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the global header, one record per UDP message, exact lengths, checksums that verify', () => {
    const trace = sampleTrace();
    const packets = readPcap(writePcap(trace));
    const udp = packets.filter((p) => p.proto === 17);
    const udpEntries = trace.filter((e) => e.transport === 'udp');
    expect(udp.map((p) => p.payload.toString())).toEqual(udpEntries.map((e) => e.data.toString()));
    // direction: out = local → remote, in = remote → local; time from entry.wall in microseconds
    expect([udp[0].sport, udp[0].dport, udp[1].sport, udp[1].dport]).toEqual([40100, 5070, 5070, 40100]);
    expect(udp[0].tsSec * 1e6 + udp[0].tsUsec).toBe(Math.round(udpEntries[0].wall * 1000));
  });

  it('tracks TCP seq/ack per flow and direction, with a handshake when a flow appears and RST/FIN for faults', () => {
    const tcp = readPcap(writePcap(sampleTrace())).filter((p) => p.proto === 6 && p.sport !== 0);
    const flow1 = tcp.filter((p) => p.sport === 40201 || p.dport === 40201);
    const names = flow1.map((p) =>
      [
        p.flags! & 0x02 && 'S',
        p.flags! & 0x10 && 'A',
        p.flags! & 0x08 && 'P',
        p.flags! & 0x04 && 'R',
        p.flags! & 0x01 && 'F',
      ]
        .filter(Boolean)
        .join(''),
    );
    expect(names).toEqual(['S', 'SA', 'A', 'AP', 'A', 'AP', 'A', 'AP', 'A', 'AP', 'A', 'AR']);
    const [syn, synAck, ack] = flow1;
    expect(synAck.ack).toBe((syn.seq! + 1) >>> 0);
    expect(ack.seq).toBe(synAck.ack);
    expect(ack.ack).toBe((synAck.seq! + 1) >>> 0);
    // every data segment starts where the previous one from the same side ended
    const next = new Map<number, number>([
      [40201, ack.seq!],
      [5070, ack.ack!],
    ]);
    for (const p of flow1.slice(3)) {
      expect(p.seq).toBe(next.get(p.sport));
      next.set(p.sport, (p.seq! + p.payload.length) >>> 0);
      expect(p.ack).toBe(next.get(p.dport));
    }
    expect(flow1[3].payload.toString()).toMatch(/^REGISTER /);
    expect(flow1[7].payload.toString()).toBe('\r\n\r\n');
    const flow2 = tcp.filter((p) => p.sport === 40202 || p.dport === 40202);
    const fins = flow2.filter((p) => p.flags! & 0x01);
    expect(fins.map((p) => p.sport)).toEqual([40202, 5070]);
    const last = flow2[flow2.length - 1];
    expect(last.flags).toBe(0x10);
    expect(last.ack).toBe((fins[1].seq! + 1) >>> 0);
  });

  it('reopens a flow after a reset with a new handshake, and splits messages larger than a segment', () => {
    const b = new TraceBuilder();
    const local: Endpoint = { address: '127.0.0.1', port: 41000 };
    const big = request('MESSAGE', { via: local, transport: 'TCP', body: 'x'.repeat(40000) });
    b.add({ direction: 'out', transport: 'tcp', local, flowId: 'f', data: big });
    b.add({ direction: 'in', transport: 'tcp', local, flowId: 'f', kind: 'fault', note: 'remote reset' });
    b.add({
      direction: 'out',
      transport: 'tcp',
      local,
      flowId: 'f',
      data: request('OPTIONS', { via: local, transport: 'TCP' }),
    });
    const p = readPcap(writePcap(b.entries));
    const data = p.filter((x) => x.payload.length > 0 && x.sport === 41000);
    expect(data.map((x) => x.payload.length)).toEqual([16384, 16384, big.length - 32768, expect.any(Number)]);
    expect(Buffer.concat(data.slice(0, 3).map((x) => x.payload)).equals(big)).toBe(true);
    const rst = p.find((x) => x.flags! & 0x04)!;
    expect([rst.sport, rst.dport]).toEqual([5070, 41000]); // "remote reset": the SUT side resets
    expect(p.filter((x) => x.flags === 0x02)).toHaveLength(2);
  });

  it('writes a TCP connection between two agents of the check once, though both recorded it', () => {
    const b = new TraceBuilder();
    const a: Endpoint = { address: '127.0.0.1', port: 43001 };
    const z: Endpoint = { address: '127.0.0.1', port: 43002 };
    const reg = request('REGISTER', { via: a, transport: 'TCP' });
    const ok = response(200, 'OK', 'REGISTER', 1, a, 'TCP');
    b.add({ direction: 'out', transport: 'tcp', local: a, remote: z, flowId: 'alice-1', agent: 'alice', data: reg });
    b.add({ direction: 'in', transport: 'tcp', local: z, remote: a, flowId: 'edge-7', agent: 'edge', data: reg });
    b.add({ direction: 'out', transport: 'tcp', local: z, remote: a, flowId: 'edge-7', agent: 'edge', data: ok });
    b.add({ direction: 'in', transport: 'tcp', local: a, remote: z, flowId: 'alice-1', agent: 'alice', data: ok });
    const p = readPcap(writePcap(b.entries));
    expect(p.filter((x) => x.flags === 0x02)).toHaveLength(1);
    const data = p.filter((x) => x.payload.length > 0);
    expect(data.map((x) => [x.sport, x.payload.length])).toEqual([
      [43001, reg.length],
      [43002, ok.length],
    ]);
    expect(data[1].ack).toBe((data[0].seq! + reg.length) >>> 0);
  });

  it('writes IPv6 (::1) packets with IPv6 pseudo-header checksums and an empty trace as a bare header', () => {
    expect(ipBytes('::1').bytes.toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipBytes('fe80::1:2%lo').bytes.toString('hex')).toBe('fe800000000000000000000000010002');
    expect(ipBytes('::ffff:127.0.0.1')).toEqual({ family: 4, bytes: Buffer.from([127, 0, 0, 1]) });
    expect(() => ipBytes('localhost')).toThrow('pcap: not an IP address: "localhost"');
    const b = new TraceBuilder();
    const local: Endpoint = { address: '::1', port: 42000 };
    const sut: Endpoint = { address: '::1', port: 5070 };
    b.add({ direction: 'out', transport: 'udp', local, remote: sut, flowId: 'u6', data: request('OPTIONS') });
    b.add({
      direction: 'in',
      transport: 'udp',
      local,
      remote: sut,
      flowId: 'u6',
      data: response(200, 'OK', 'OPTIONS'),
    });
    b.add({
      direction: 'out',
      transport: 'tls',
      local,
      remote: sut,
      flowId: 't6',
      data: request('REGISTER', { transport: 'TLS' }),
    });
    const p = readPcap(writePcap(b.entries));
    expect(p.every((x) => x.family === 6)).toBe(true);
    expect(p.map((x) => x.proto)).toEqual([17, 17, 6, 6, 6, 6, 6]);
    expect(writePcap([]).length).toBe(24);
  });

  it('decodes in tshark as SIP by heuristics on a non-5060 port, with no malformed packets or SIP warnings', () => {
    const file = join(dir, 'sample.pcap');
    const trace = sampleTrace();
    writeFileSync(file, writePcap(trace));
    const lines = tshark([
      '-r',
      file,
      '-Y',
      'sip',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'udp.srcport',
      '-e',
      'tcp.srcport',
      '-e',
      'sip.Method',
      '-e',
      'sip.Status-Code',
      '-e',
      'sip.CSeq.method',
    ])
      .trim()
      .split('\n');
    expect(lines).toEqual([
      '40100||INVITE||INVITE',
      '5070|||100|INVITE',
      '5070||INVITE||INVITE',
      '40200|||200|INVITE',
      '5070|||200|INVITE',
      '40100||ACK||ACK',
      '|40201|REGISTER||REGISTER',
      '|5070||200|REGISTER',
      '|40202|REGISTER||REGISTER',
      '|5070||200|REGISTER',
      '40100||INVITE||INVITE',
      '5070|||430|INVITE',
    ]);
    expect(tshark(['-r', file, '-Y', '_ws.malformed || (sip && _ws.expert.severity >= warning)']).trim()).toBe('');
    // the only warnings at all are the RST we wrote on purpose (RFC 5626 flow failure)
    expect(
      tshark(['-r', file, '-Y', '_ws.expert.severity >= warning', '-T', 'fields', '-e', 'tcp.flags.reset']).trim(),
    ).toBe('1');
    const checks = tshark([
      '-r',
      file,
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      'udp.check_checksum:TRUE',
      '-o',
      'tcp.check_checksum:TRUE',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'ip.checksum.status',
      '-e',
      'udp.checksum.status',
      '-e',
      'tcp.checksum.status',
    ])
      .trim()
      .split('\n');
    expect(checks.length).toBeGreaterThan(20);
    for (const c of checks) expect(c.replace(/\|/g, '')).toBe('11'); // IP good + UDP/TCP good (1 = Good)
    // TCP analysis finds nothing amiss with our sequence numbers
    expect(tshark(['-r', file, '-Y', 'tcp.analysis.flags && !tcp.analysis.window_update']).trim()).toBe('');
  }, 90_000);

  it('decodes IPv6 and TLS-as-TCP flows as SIP in tshark', () => {
    const b = new TraceBuilder();
    const local: Endpoint = { address: '::1', port: 42000 };
    const sut: Endpoint = { address: '::1', port: 5071 };
    b.add({
      direction: 'out',
      transport: 'tls',
      local,
      remote: sut,
      flowId: 't6',
      data: request('REGISTER', { transport: 'TLS', via: local }),
    });
    b.add({
      direction: 'in',
      transport: 'tls',
      local,
      remote: sut,
      flowId: 't6',
      data: response(200, 'OK', 'REGISTER', 1, local, 'TLS'),
    });
    const file = join(dir, 'v6.pcap');
    writeFileSync(file, writePcap(b.entries));
    expect(
      tshark(['-r', file, '-Y', 'sip && ipv6', '-T', 'fields', '-e', 'sip.CSeq.method']).trim().split('\n'),
    ).toEqual(['REGISTER', 'REGISTER']);
    expect(tshark(['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= warning']).trim()).toBe('');
  }, 90_000);

  it('writes STUN (RFC 5626 §4.4.2) and CRLF keep-alives on UDP so tshark decodes STUN and flags nothing', () => {
    const b = new TraceBuilder();
    const stun = Buffer.alloc(20);
    stun.writeUInt16BE(0x0001, 0); // Binding request, no attributes
    stun.writeUInt32BE(0x2112a442, 4); // magic cookie (RFC 5389 §6)
    Buffer.from('0123456789ab').copy(stun, 8);
    b.add({ direction: 'out', transport: 'udp', local: ALICE_UDP, flowId: 'u', kind: 'stun', data: stun });
    b.add({
      direction: 'out',
      transport: 'udp',
      local: ALICE_UDP,
      flowId: 'u',
      kind: 'keepalive',
      data: Buffer.from('\r\n\r\n'),
    });
    b.add({ direction: 'out', transport: 'udp', local: ALICE_UDP, flowId: 'u', data: request('OPTIONS') });
    b.add({
      direction: 'in',
      transport: 'udp',
      local: ALICE_UDP,
      flowId: 'u',
      kind: 'keepalive',
      data: Buffer.from('\r\n'),
    });
    b.add({ direction: 'in', transport: 'udp', local: ALICE_UDP, flowId: 'u', kind: 'fault', note: 'silence' });
    const file = join(dir, 'stun.pcap');
    writeFileSync(file, writePcap(b.entries));
    expect(readPcap(writePcap(b.entries)).map((p) => p.payload.length)).toEqual([20, 4, request('OPTIONS').length, 2]);
    expect(tshark(['-r', file, '-T', 'fields', '-e', '_ws.col.Protocol']).trim().split('\n')).toEqual([
      'STUN',
      'UDP',
      'SIP',
      'UDP',
    ]);
    expect(tshark(['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= warning']).trim()).toBe('');
  }, 90_000);
});
