/**
 * Reads the SIP messages out of a classic pcap file (libpcap format, either byte order, micro- or nanosecond
 * timestamps; link types Ethernet, raw IP, Linux cooked v1/v2 and BSD loopback; IPv4 and IPv6; UDP and TCP).
 * UDP payloads are one message each; TCP payloads are joined per direction of a connection and framed by
 * Content-Length (RFC 3261 §18.3), so a message split over segments comes out whole.
 */
import { StreamFramer } from '../sip/framing';

export interface PcapMessage {
  transport: 'udp' | 'tcp';
  src: string;
  dst: string;
  /** Seconds since the epoch (fractional). */
  time: number;
  data: Buffer;
}

export class PcapError extends Error {}

export function isPcap(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const m = buf.readUInt32LE(0);
  return m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1;
}

const SIP_START = /^(?:[A-Z]+ [^ ]+ SIP\/2\.0\r?\n|SIP\/2\.0 \d{3})/;

export function readPcap(buf: Buffer): PcapMessage[] {
  if (buf.length < 24) throw new PcapError('not a pcap file: shorter than its 24-byte header');
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1)
    throw new PcapError(
      `not a pcap file: magic 0x${magic.toString(16)} (pcapng is not read; convert with "editcap -F pcap")`,
    );
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const out: PcapMessage[] = [];
  const streams = new Map<string, StreamFramer>();
  let off = 24;
  let n = 0;
  while (off + 16 <= buf.length) {
    n++;
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const start = off + 16;
    if (start + incl > buf.length)
      throw new PcapError(`packet ${n} is truncated (${incl} bytes announced, ${buf.length - start} left)`);
    const pkt = buf.subarray(start, start + incl);
    off = start + incl;
    const time = sec + frac / (nano ? 1e9 : 1e6);
    const ip = ipPayload(pkt, linkType);
    if (!ip) continue;
    const seg = transportPayload(ip);
    if (!seg || seg.payload.length === 0) continue;
    if (seg.transport === 'udp') {
      if (SIP_START.test(seg.payload.toString('latin1', 0, 64)))
        out.push({ transport: 'udp', src: seg.src, dst: seg.dst, time, data: Buffer.from(seg.payload) });
      continue;
    }
    const key = `${seg.src}>${seg.dst}`;
    let framer = streams.get(key);
    if (!framer) streams.set(key, (framer = new StreamFramer({ maxBodyBytes: 16 * 1024 * 1024 })));
    for (const f of framer.push(Buffer.from(seg.payload))) {
      if (f.kind === 'message')
        out.push({ transport: 'tcp', src: seg.src, dst: seg.dst, time, data: Buffer.from(f.data) });
    }
  }
  return out;
}

function ipPayload(pkt: Buffer, linkType: number): Buffer | undefined {
  switch (linkType) {
    case 1: {
      // Ethernet, with up to two VLAN tags.
      let o = 12;
      let type = pkt.readUInt16BE(o);
      while (type === 0x8100 || type === 0x88a8) {
        o += 4;
        type = pkt.readUInt16BE(o);
      }
      return type === 0x0800 || type === 0x86dd ? pkt.subarray(o + 2) : undefined;
    }
    case 101:
    case 12:
    case 14:
      return pkt;
    case 113: // Linux cooked v1: 16-byte header, protocol at 14
      return pkt.length > 16 ? pkt.subarray(16) : undefined;
    case 276: // Linux cooked v2: 20-byte header
      return pkt.length > 20 ? pkt.subarray(20) : undefined;
    case 0: // BSD loopback: 4-byte family
      return pkt.length > 4 ? pkt.subarray(4) : undefined;
    default:
      return undefined;
  }
}

function transportPayload(
  ip: Buffer,
): { transport: 'udp' | 'tcp'; src: string; dst: string; payload: Buffer } | undefined {
  if (ip.length < 20) return undefined;
  const version = ip[0]! >> 4;
  let proto: number;
  let body: Buffer;
  let srcIp: string;
  let dstIp: string;
  if (version === 4) {
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = ip.readUInt16BE(2);
    proto = ip[9]!;
    srcIp = [...ip.subarray(12, 16)].join('.');
    dstIp = [...ip.subarray(16, 20)].join('.');
    body = ip.subarray(ihl, Math.min(ip.length, total || ip.length));
  } else if (version === 6) {
    if (ip.length < 40) return undefined;
    proto = ip[6]!;
    srcIp = `[${v6(ip.subarray(8, 24))}]`;
    dstIp = `[${v6(ip.subarray(24, 40))}]`;
    body = ip.subarray(40, 40 + ip.readUInt16BE(4));
  } else return undefined;
  if (proto === 17 && body.length >= 8) {
    return {
      transport: 'udp',
      src: `${srcIp}:${body.readUInt16BE(0)}`,
      dst: `${dstIp}:${body.readUInt16BE(2)}`,
      payload: body.subarray(8, body.readUInt16BE(4) || body.length),
    };
  }
  if (proto === 6 && body.length >= 20) {
    const dataOff = (body[12]! >> 4) * 4;
    return {
      transport: 'tcp',
      src: `${srcIp}:${body.readUInt16BE(0)}`,
      dst: `${dstIp}:${body.readUInt16BE(2)}`,
      payload: body.subarray(dataOff),
    };
  }
  return undefined;
}

function v6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
