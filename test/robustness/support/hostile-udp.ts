/**
 * Tiny hostile SIP servers on node:dgram / node:net for the harness's own tests: each answers (or not) in one
 * deliberately broken way. Every one closes with close().
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { createResponse } from '../../../src/sip/builders';
import { parse } from '../../../src/sip/parser';
import type { SipRequest } from '../../../src/sip/message';

export interface HostileServer {
  port: number;
  received: Buffer[];
  close(): Promise<void>;
}

/** A UDP server: `onMessage` decides what to send back for each datagram (nothing when it returns []). */
export async function hostileUdp(
  onMessage: (data: Buffer, req: SipRequest | undefined, server: { dead: boolean }) => Buffer[],
): Promise<HostileServer> {
  const sock = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  const state = { dead: false };
  sock.on('message', (data, rinfo) => {
    received.push(data);
    if (state.dead) return;
    const m = parse(data, { mode: 'lenient' }).message;
    const req = m && m.isRequest ? (m as SipRequest) : undefined;
    let replies: Buffer[];
    try {
      replies = onMessage(data, req, state);
    } catch {
      return; // a request too broken to answer (e.g. an unbalanced quote in To): stay silent
    }
    for (const out of replies) sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { port: sock.address().port, received, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

/** A TCP server: `onConnection` drives each accepted socket. */
export async function hostileTcp(
  onConnection: (s: net.Socket) => void,
): Promise<HostileServer & { sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const received: Buffer[] = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d: Buffer) => received.push(d));
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A 200 OK to a request (what a well-behaved server would send). */
export function ok(req: SipRequest, status = 200): Buffer {
  return createResponse(req, status).toBuffer();
}
