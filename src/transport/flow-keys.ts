/** How the transport layer files flows and classifies what a UDP socket receives. */
import * as net from 'node:net';
import type { Inbound } from './flow-base';
import { isStun } from './stun';
import type { Endpoint, TransportProtocol } from './types';

/** RFC 5626 §8: STUN and SIP share the UDP port; a datagram of only CR/LF is a keep-alive (RFC 3261 §7.5). */
export function classifyDatagram(data: Buffer): Inbound {
  if (isStun(data)) return { kind: 'stun', data };
  if (data.length > 0 && data.every((b) => b === 13 || b === 10))
    return data.length >= 4 ? { kind: 'ping', data } : { kind: 'pong', data };
  return { kind: 'sip', data };
}

export function streamKey(transport: TransportProtocol, remote: Endpoint): string {
  return `${transport}|${normalizeAddress(remote.address)}|${remote.port}`;
}

/** One spelling per address, so "0:0:0:0:0:0:0:1" and "::1" find the same flow. */
export function normalizeAddress(a: string): string {
  if (!net.isIPv6(a)) return a;
  const sl = new net.SocketAddress({ address: a, family: 'ipv6' });
  return sl.address;
}
