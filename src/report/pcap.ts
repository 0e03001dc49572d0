/**
 * Classic libpcap file of one check's traffic, built from its trace, so Wireshark / tshark / sngrep show the exact
 * bytes that crossed the wire. The trace records messages, not packets, so the link, IP and transport headers are
 * synthesized:
 * - link type Ethernet (1) with locally administered MACs derived from the IP, IPv4 or IPv6 as the endpoints are;
 * - UDP: one datagram per entry;
 * - messages between two agents of the check, recorded by both, are written once (trace-view.ts);
 * - TCP: per connection (4-tuple), a 3-way handshake when the flow first appears (the side that sent first is taken as the
 *   connecting side), then data segments with sequence/acknowledgement numbers tracked per direction, and for
 *   trace entries of kind 'fault' a FIN exchange ("close") or an RST ("reset"), from the remote side when the note
 *   says "remote" or the entry is inbound. A later entry on a closed flow opens a new connection.
 * - TLS flows are written as TCP carrying the plaintext SIP: the trace holds the decrypted messages, and a capture
 *   that needs the keys to be read would hide exactly what a report is for. (A 'tls' flow is visible only by its
 *   port.)
 * Lengths and IPv4/UDP/TCP checksums are correct, so no tool flags the packets.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { TraceEntry } from '../transport/trace';
import type { Endpoint } from '../transport/types';
import { withoutMirrors } from './trace-view';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_SNAPLEN = 262144;
/** Payload per TCP segment; bigger messages are split over several segments. */
export const TCP_SEGMENT_MAX = 16384;

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

interface Addr {
  family: 4 | 6;
  bytes: Buffer;
}

/** Parses an IP literal into bytes; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. Zone ids are dropped. */
export function ipBytes(address: string): Addr {
  const a = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return ipBytes(mapped[1]);
  if (isIPv4(a)) return { family: 4, bytes: Buffer.from(a.split('.').map(Number)) };
  if (!isIPv6(a)) throw new Error(`pcap: not an IP address: "${address}"`);
  let head = a;
  let tail = '';
  const dbl = a.indexOf('::');
  if (dbl >= 0) {
    head = a.slice(0, dbl);
    tail = a.slice(dbl + 2);
  }
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const out: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const v4 = part.split('.').map(Number);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else out.push(parseInt(part, 16));
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  const all = dbl >= 0 ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  const buf = Buffer.alloc(16);
  all.forEach((g, i) => buf.writeUInt16BE(g, i * 2));
  return { family: 6, bytes: buf };
}

function toV6(a: Addr): Buffer {
  if (a.family === 6) return a.bytes;
  return Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), a.bytes]);
}

/** RFC 1071 Internet checksum over the concatenation of the buffers. */
export function internetChecksum(...parts: Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd === undefined) odd = p[i];
      else {
        sum += (odd << 8) | p[i];
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(src: Buffer, dst: Buffer, proto: number, length: number): Buffer {
  if (src.length === 4) {
    const p = Buffer.alloc(12);
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = proto;
    p.writeUInt16BE(length, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  src.copy(p, 0);
  dst.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = proto;
  return p;
}

function macFor(ip: Buffer): Buffer {
  // 02:xx... is a locally administered unicast address; the last 4 bytes of the IP keep lanes apart.
  const mac = Buffer.from([0x02, 0x00, 0, 0, 0, 0]);
  ip.copy(mac, 2, ip.length - 4);
  return mac;
}

interface Packet {
  wall: number;
  frame: Buffer;
}

class PacketBuilder {
  private ipId = 1;

  ip(src: Endpoint, dst: Endpoint, proto: 6 | 17, transport: (srcIp: Buffer, dstIp: Buffer) => Buffer): Buffer {
    let s = ipBytes(src.address);
    let d = ipBytes(dst.address);
    if (s.family !== d.family) {
      s = { family: 6, bytes: toV6(s) };
      d = { family: 6, bytes: toV6(d) };
    }
    const seg = transport(s.bytes, d.bytes);
    let ipHeader: Buffer;
    if (s.family === 4) {
      ipHeader = Buffer.alloc(20);
      ipHeader[0] = 0x45;
      ipHeader.writeUInt16BE(20 + seg.length, 2);
      ipHeader.writeUInt16BE(this.ipId++ & 0xffff, 4);
      ipHeader.writeUInt16BE(0x4000, 6); // DF
      ipHeader[8] = 64;
      ipHeader[9] = proto;
      s.bytes.copy(ipHeader, 12);
      d.bytes.copy(ipHeader, 16);
      ipHeader.writeUInt16BE(internetChecksum(ipHeader), 10);
    } else {
      ipHeader = Buffer.alloc(40);
      ipHeader.writeUInt32BE(0x60000000, 0);
      ipHeader.writeUInt16BE(seg.length, 4);
      ipHeader[6] = proto;
      ipHeader[7] = 64;
      s.bytes.copy(ipHeader, 8);
      d.bytes.copy(ipHeader, 24);
    }
    const eth = Buffer.alloc(14);
    macFor(d.bytes).copy(eth, 0);
    macFor(s.bytes).copy(eth, 6);
    eth.writeUInt16BE(s.family === 4 ? 0x0800 : 0x86dd, 12);
    return Buffer.concat([eth, ipHeader, seg]);
  }

  udp(src: Endpoint, dst: Endpoint, payload: Buffer): Buffer {
    return this.ip(src, dst, 17, (sIp, dIp) => {
      const h = Buffer.alloc(8);
      h.writeUInt16BE(src.port, 0);
      h.writeUInt16BE(dst.port, 2);
      h.writeUInt16BE(8 + payload.length, 4);
      let c = internetChecksum(pseudoHeader(sIp, dIp, 17, 8 + payload.length), h, payload);
      if (c === 0) c = 0xffff; // RFC 768: a computed zero is sent as all ones
      h.writeUInt16BE(c, 6);
      return Buffer.concat([h, payload]);
    });
  }

  tcp(src: Endpoint, dst: Endpoint, seq: number, ack: number, flags: number, payload: Buffer): Buffer {
    return this.ip(src, dst, 6, (sIp, dIp) => {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(src.port, 0);
      h.writeUInt16BE(dst.port, 2);
      h.writeUInt32BE(seq >>> 0, 4);
      h.writeUInt32BE(flags & TCP_ACK ? ack >>> 0 : 0, 8);
      h[12] = 5 << 4;
      h[13] = flags;
      h.writeUInt16BE(65535, 14);
      const c = internetChecksum(pseudoHeader(sIp, dIp, 6, 20 + payload.length), h, payload);
      h.writeUInt16BE(c, 16);
      return Buffer.concat([h, payload]);
    });
  }
}

interface TcpSide {
  ep: Endpoint;
  next: number;
}
interface TcpConn {
  a: TcpSide;
  b: TcpSide;
}

function epKey(e: Endpoint): string {
  return `${e.address}|${e.port}`;
}

/** A deterministic initial sequence number per connection, so files are reproducible. */
function isn(key: string, n: number): number {
  let h = 0x811c9dc5 ^ n;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Which side a fault entry's FIN/RST comes from: the remote one for inbound entries or notes naming "remote". */
function faultFromRemote(e: TraceEntry): boolean {
  return e.direction === 'in' || /remote|peer/i.test(e.note ?? '');
}

/** The packets for the trace, in order. Exposed for tests; most callers want writePcap. */
export function tracePackets(entries: readonly TraceEntry[]): Packet[] {
  const pb = new PacketBuilder();
  const conns = new Map<string, TcpConn>();
  let connCount = 0;
  const out: Packet[] = [];
  const sorted = withoutMirrors(entries);
  for (const e of sorted) {
    const [src, dst] = e.direction === 'out' ? [e.local, e.remote] : [e.remote, e.local];
    const push = (frame: Buffer) => out.push({ wall: e.wall, frame });
    if (e.transport === 'udp') {
      if (e.kind !== 'fault' && e.data.length > 0) push(pb.udp(src, dst, e.data));
      continue;
    }
    // TCP, and TLS written as TCP with the plaintext (see the file comment).
    // A TCP connection is its 4-tuple (two agents' flow ids for one connection differ; a closed tuple reopens).
    const key = [epKey(e.local), epKey(e.remote)].sort().join('#');
    let conn = conns.get(key);
    if (e.kind === 'fault') {
      if (!conn) continue; // nothing on the wire for a flow never seen
      const remote = faultFromRemote(e);
      const fromEp = remote ? e.remote : e.local;
      const [s, r] = epKey(conn.a.ep) === epKey(fromEp) ? [conn.a, conn.b] : [conn.b, conn.a];
      if (/reset|rst|abort|destroy/i.test(e.note ?? '')) {
        push(pb.tcp(s.ep, r.ep, s.next, r.next, TCP_RST | TCP_ACK, Buffer.alloc(0)));
      } else if (/close|fin|end|shutdown/i.test(e.note ?? '')) {
        push(pb.tcp(s.ep, r.ep, s.next, r.next, TCP_FIN | TCP_ACK, Buffer.alloc(0)));
        s.next = (s.next + 1) >>> 0;
        push(pb.tcp(r.ep, s.ep, r.next, s.next, TCP_FIN | TCP_ACK, Buffer.alloc(0)));
        r.next = (r.next + 1) >>> 0;
        push(pb.tcp(s.ep, r.ep, s.next, r.next, TCP_ACK, Buffer.alloc(0)));
      } else {
        continue; // e.g. "silence": nothing is sent, the flow stays open
      }
      conns.delete(key);
      continue;
    }
    if (!conn) {
      conn = { a: { ep: src, next: isn(key, connCount) }, b: { ep: dst, next: isn(key, connCount + 1000003) } };
      connCount++;
      conns.set(key, conn);
      const { a, b } = conn;
      push(pb.tcp(a.ep, b.ep, a.next, 0, TCP_SYN, Buffer.alloc(0)));
      a.next = (a.next + 1) >>> 0;
      push(pb.tcp(b.ep, a.ep, b.next, a.next, TCP_SYN | TCP_ACK, Buffer.alloc(0)));
      b.next = (b.next + 1) >>> 0;
      push(pb.tcp(a.ep, b.ep, a.next, b.next, TCP_ACK, Buffer.alloc(0)));
    }
    const [s, r] = epKey(conn.a.ep) === epKey(src) ? [conn.a, conn.b] : [conn.b, conn.a];
    for (let off = 0; off < e.data.length; off += TCP_SEGMENT_MAX) {
      const chunk = e.data.subarray(off, Math.min(off + TCP_SEGMENT_MAX, e.data.length));
      push(pb.tcp(s.ep, r.ep, s.next, r.next, TCP_PSH | TCP_ACK, chunk));
      s.next = (s.next + chunk.length) >>> 0;
    }
    // The receiver acknowledges what it got, as a real stack would (keeps analysers' "ACKed unseen" quiet).
    if (e.data.length > 0) push(pb.tcp(r.ep, s.ep, r.next, s.next, TCP_ACK, Buffer.alloc(0)));
  }
  return out;
}

/** The pcap file (microsecond timestamps from entry.wall, Ethernet link type). An empty trace gives just the header. */
export function writePcap(entries: readonly TraceEntry[]): Buffer {
  const packets = tracePackets(entries);
  const global = Buffer.alloc(24);
  global.writeUInt32LE(PCAP_MAGIC_USEC, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeInt32LE(0, 8);
  global.writeUInt32LE(0, 12);
  global.writeUInt32LE(PCAP_SNAPLEN, 16);
  global.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const parts: Buffer[] = [global];
  for (const p of packets) {
    const rec = Buffer.alloc(16);
    const usecTotal = Math.round(p.wall * 1000);
    rec.writeUInt32LE(Math.floor(usecTotal / 1e6), 0);
    rec.writeUInt32LE(usecTotal % 1e6, 4);
    rec.writeUInt32LE(p.frame.length, 8);
    rec.writeUInt32LE(p.frame.length, 12);
    parts.push(rec, p.frame);
  }
  return Buffer.concat(parts);
}

/** Content type and extension for an Allure attachment of the file. */
export const PCAP_ATTACHMENT = { contentType: 'application/vnd.tcpdump.pcap', fileExtension: 'pcap' } as const;
