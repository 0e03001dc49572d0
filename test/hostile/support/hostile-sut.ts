/**
 * Hostile SUTs for the harness's own tests, on node:dgram and node:net: they answer OPTIONS (so `sipconf run` gets
 * past its reachability probe) and REGISTER (200 with the Contact, so checks reach their calls), then meet every
 * INVITE with one kind of hostility.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { createResponse } from '../../../src/sip/builders';
import { StreamFramer } from '../../../src/sip/framing';
import type { SipRequest } from '../../../src/sip/message';
import { parse } from '../../../src/sip/parser';

export interface Reply {
  /** Sends bytes back to where the request came from (UDP) or on its connection (TCP). */
  send(data: Buffer): void;
  /** TCP only: the connection. */
  socket?: net.Socket;
}

export type InviteBehaviour = (req: SipRequest, reply: Reply, raw: Buffer) => void;

export interface HostileSut {
  port: number;
  /** INVITEs received. */
  invites: number;
  close(): Promise<void>;
}

/** The polite part every hostile SUT shares: OPTIONS 200, REGISTER 200 with the Contact and Expires. */
function polite(req: SipRequest): Buffer | undefined {
  if (req.method === 'OPTIONS') return createResponse(req, 200).toBuffer();
  if (req.method === 'REGISTER') {
    const headers: Array<[string, string]> = [];
    for (const c of req.getAll('contact')) headers.push(['Contact', `${c};expires=60`]);
    return createResponse(req, 200, { headers, toTag: 'hostile' }).toBuffer();
  }
  return undefined;
}

export async function hostileUdpSut(
  onInvite: InviteBehaviour,
  opts: { answerOptions?: boolean } = {},
): Promise<HostileSut> {
  const sock = dgram.createSocket('udp4');
  const state: HostileSut = { port: 0, invites: 0, close: () => new Promise<void>((r) => sock.close(() => r())) };
  sock.on('error', () => undefined);
  sock.on('message', (data, rinfo) => {
    const m = parse(data, { mode: 'lenient' }).message;
    if (!m || !m.isRequest) return;
    const req = m as SipRequest;
    const reply: Reply = { send: (d) => sock.send(d, rinfo.port, rinfo.address) };
    if (opts.answerOptions === false) return;
    try {
      const p = polite(req);
      if (p) return reply.send(p);
      if (req.method === 'INVITE') {
        state.invites++;
        onInvite(req, reply, data);
      }
    } catch {
      // a request too broken to answer: silence
    }
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  state.port = sock.address().port;
  return state;
}

export async function hostileTcpSut(onInvite: InviteBehaviour): Promise<HostileSut> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    const framer = new StreamFramer();
    s.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        if (f.kind !== 'message') continue;
        const m = parse(f.data, { mode: 'lenient' }).message;
        if (!m || !m.isRequest) continue;
        const req = m as SipRequest;
        const reply: Reply = { send: (d) => !s.destroyed && s.write(d), socket: s };
        const p = polite(req);
        if (p) reply.send(p);
        else if (req.method === 'INVITE') {
          state.invites++;
          onInvite(req, reply, f.data);
        }
      }
    });
  });
  const state: HostileSut = {
    port: 0,
    invites: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}

/** Timers a behaviour starts, cleared by the test. */
export const behaviourTimers = new Set<NodeJS.Timeout>();
export function clearBehaviourTimers(): void {
  for (const t of behaviourTimers) clearInterval(t);
  behaviourTimers.clear();
}

export { createResponse };
