/**
 * The minimal STUN (RFC 5389) a SIP UDP flow needs: Binding requests as keep-alives (RFC 5626 §4.4.2, §8) and
 * Binding success responses carrying XOR-MAPPED-ADDRESS (RFC 5389 §7.3, §15.2). No auth, no FINGERPRINT.
 */
import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Endpoint } from './types';

/** RFC 5389 §6: the fixed magic cookie. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
export const STUN_BINDING_REQUEST = 0x0001;
export const STUN_BINDING_SUCCESS = 0x0101;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const HEADER = 20;

export interface StunMessage {
  /** Message type: method and class (0x0001 Binding request, 0x0101 Binding success response, ...). */
  type: number;
  /** 12 bytes. */
  transactionId: Buffer;
  /** XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS) when present. */
  mapped?: Endpoint;
}

/**
 * RFC 5389 §6 / RFC 5626 §8: a datagram is STUN when its first two bits are zero, it carries the magic cookie and
 * its length field matches. SIP never starts with a byte below 0x40, so this cannot misfire on SIP text.
 */
export function isStun(buf: Buffer): boolean {
  return (
    buf.length >= HEADER &&
    (buf[0]! & 0xc0) === 0 &&
    buf.readUInt32BE(4) === STUN_MAGIC_COOKIE &&
    buf.readUInt16BE(2) % 4 === 0 &&
    buf.readUInt16BE(2) + HEADER === buf.length
  );
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

/** A Binding request with no attributes (RFC 5389 §7.1). */
export function encodeBindingRequest(transactionId: Buffer = newTransactionId()): Buffer {
  const b = Buffer.alloc(HEADER);
  b.writeUInt16BE(STUN_BINDING_REQUEST, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transactionId.copy(b, 8, 0, 12);
  return b;
}

/** A Binding success response with XOR-MAPPED-ADDRESS = where the request came from (RFC 5389 §7.3.1, §15.2). */
export function encodeBindingSuccess(transactionId: Buffer, mapped: Endpoint): Buffer {
  const v6 = isIPv6(mapped.address);
  const addr = ipToBuffer(mapped.address);
  const attrLen = 4 + addr.length;
  const b = Buffer.alloc(HEADER + 4 + attrLen);
  b.writeUInt16BE(STUN_BINDING_SUCCESS, 0);
  b.writeUInt16BE(4 + attrLen, 2);
  b.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transactionId.copy(b, 8, 0, 12);
  b.writeUInt16BE(ATTR_XOR_MAPPED_ADDRESS, 20);
  b.writeUInt16BE(attrLen, 22);
  b.writeUInt8(0, 24);
  b.writeUInt8(v6 ? 0x02 : 0x01, 25);
  b.writeUInt16BE(mapped.port ^ (STUN_MAGIC_COOKIE >>> 16), 26);
  const mask = xorMask(transactionId, addr.length);
  for (let i = 0; i < addr.length; i++) b[28 + i] = addr[i]! ^ mask[i]!;
  return b;
}

/** Parses a STUN message; undefined when it is not one (see isStun) or an attribute overruns the message. */
export function decodeStun(buf: Buffer): StunMessage | undefined {
  if (!isStun(buf)) return undefined;
  const msg: StunMessage = { type: buf.readUInt16BE(0), transactionId: Buffer.from(buf.subarray(8, 20)) };
  let off = HEADER;
  while (off + 4 <= buf.length) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    const value = off + 4;
    if (value + len > buf.length) return undefined;
    if ((type === ATTR_XOR_MAPPED_ADDRESS || (type === ATTR_MAPPED_ADDRESS && !msg.mapped)) && len >= 8) {
      const family = buf[value + 1];
      const size = family === 0x02 ? 16 : 4;
      if (len >= 4 + size) {
        const xor = type === ATTR_XOR_MAPPED_ADDRESS;
        let port = buf.readUInt16BE(value + 2);
        const addr = Buffer.from(buf.subarray(value + 4, value + 4 + size));
        if (xor) {
          port ^= STUN_MAGIC_COOKIE >>> 16;
          const mask = xorMask(msg.transactionId, size);
          for (let i = 0; i < size; i++) addr[i] = addr[i]! ^ mask[i]!;
        }
        msg.mapped = { address: bufferToIp(addr), port };
      }
    }
    off = value + len + ((4 - (len % 4)) % 4); // attributes are padded to 4 bytes (§15)
  }
  return msg;
}

/** §15.2: IPv4 is XORed with the magic cookie; IPv6 with the cookie followed by the transaction id. */
function xorMask(transactionId: Buffer, size: number): Buffer {
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4, 0, 12);
  return mask.subarray(0, size);
}

function ipToBuffer(ip: string): Buffer {
  if (!isIPv6(ip)) return Buffer.from(ip.split('.').map((x) => Number(x)));
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const parse = (s: string | undefined): number[] => {
    if (!s) return [];
    const out: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const v4 = part.split('.').map(Number);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else out.push(parseInt(part, 16));
    }
    return out;
  };
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

function bufferToIp(b: Buffer): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups (RFC 5952 §4.2) so "::1" round-trips.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
