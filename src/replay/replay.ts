/**
 * `sipconf replay`: sends a saved message (exact bytes, e.g. a robustness case attached to a failed check) or the
 * SIP messages of a pcap to a target, prints what comes back, then probes the target with OPTIONS: a target that no
 * longer answers is what the replay reproduced.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { describe } from '../sip/message';
import { parse } from '../sip/parser';
import { StreamFramer } from '../sip/framing';
import type { Endpoint } from '../transport/types';
import { formatEndpoint } from '../transport/types';
import { PcapMessage, isPcap, readPcap } from './pcap-reader';

export interface ReplayItem {
  label: string;
  data: Buffer;
}

export class ReplayInputError extends Error {}

/** The messages to replay from a file's bytes: a pcap's SIP messages (requests only unless asked), or the file. */
export function replayItems(file: string, buf: Buffer, opts: { includeResponses?: boolean } = {}): ReplayItem[] {
  if (!isPcap(buf)) {
    if (buf.length === 0) throw new ReplayInputError(`${file} is empty: nothing to replay`);
    return [{ label: file, data: buf }];
  }
  let msgs: PcapMessage[];
  try {
    msgs = readPcap(buf);
  } catch (e) {
    throw new ReplayInputError(`${file}: ${(e as Error).message}`);
  }
  const picked = msgs.filter((m) => opts.includeResponses || !m.data.toString('latin1', 0, 8).startsWith('SIP/2.0 '));
  if (picked.length === 0)
    throw new ReplayInputError(`${file} holds no SIP ${opts.includeResponses ? 'messages' : 'requests'} (UDP or TCP)`);
  return picked.map((m, i) => ({ label: `${file}#${i + 1} (${m.transport} ${m.src} → ${m.dst})`, data: m.data }));
}

export interface ReplayOptions {
  target: Endpoint;
  transport: 'udp' | 'tcp';
  /** How long to collect answers after the last message (ms). */
  waitMs: number;
  /** Pause between messages (ms). */
  gapMs?: number;
  log: (line: string) => void;
}

export interface ReplayOutcome {
  sent: number;
  received: string[];
  /** The connection was closed or reset by the target (TCP). */
  closedByTarget?: string;
}

function summarize(data: Buffer): string {
  const r = parse(data, { mode: 'lenient' });
  return r.message ? describe(r.message) : `${data.length} unparseable bytes`;
}

/** Sends the items (UDP: one datagram each; TCP: one connection, in order) and collects what comes back. */
export async function replay(items: ReplayItem[], opts: ReplayOptions): Promise<ReplayOutcome> {
  const received: string[] = [];
  const family = net.isIPv6(opts.target.address) ? 6 : 4;
  const gap = () => new Promise((r) => setTimeout(r, opts.gapMs ?? 0));
  if (opts.transport === 'udp') {
    const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    sock.on('message', (m) => {
      const s = summarize(m);
      received.push(s);
      opts.log(`← ${s}`);
    });
    sock.on('error', () => undefined);
    // Loopback unless the target is elsewhere (a socket bound to loopback cannot reach another host).
    const loopback = /^(127\.|::1$|localhost$)/.test(opts.target.address);
    const local = loopback ? (family === 6 ? '::1' : '127.0.0.1') : family === 6 ? '::' : '0.0.0.0';
    await new Promise<void>((resolve) => sock.bind(0, local, resolve));
    try {
      for (const it of items) {
        await new Promise<void>((resolve, reject) =>
          sock.send(it.data, opts.target.port, opts.target.address, (e) =>
            e
              ? reject(new ReplayInputError(`cannot send ${it.label} (${it.data.length} bytes): ${e.message}`))
              : resolve(),
          ),
        );
        opts.log(`→ ${summarize(it.data)} (${it.data.length} bytes) from ${it.label}`);
        await gap();
      }
      await new Promise((r) => setTimeout(r, opts.waitMs));
    } finally {
      sock.close();
    }
    return { sent: items.length, received };
  }
  const sock = net.connect({ host: opts.target.address, port: opts.target.port });
  let closedByTarget: string | undefined;
  const framer = new StreamFramer();
  sock.on('data', (d: Buffer) => {
    for (const f of framer.push(d)) {
      if (f.kind !== 'message') continue;
      const s = summarize(f.data);
      received.push(s);
      opts.log(`← ${s}`);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new ReplayInputError(`TCP connect to ${formatEndpoint(opts.target)} timed out after 5000 ms`)),
        5000,
      );
      sock.once('connect', () => (clearTimeout(t), resolve()));
      sock.once(
        'error',
        (e) => (
          clearTimeout(t),
          reject(new ReplayInputError(`cannot connect to ${formatEndpoint(opts.target)} (tcp): ${e.message}`))
        ),
      );
    });
    sock.on('error', (e: NodeJS.ErrnoException) => (closedByTarget = `reset (${e.code ?? e.message})`));
    sock.on('end', () => (closedByTarget ??= 'closed (FIN)'));
    let sent = 0;
    for (const it of items) {
      if (sock.destroyed || closedByTarget) break;
      await new Promise<void>((resolve) => sock.write(it.data, () => resolve()));
      sent++;
      opts.log(`→ ${summarize(it.data)} (${it.data.length} bytes) from ${it.label}`);
      await gap();
    }
    await new Promise((r) => setTimeout(r, opts.waitMs));
    if (closedByTarget) opts.log(`the target ${closedByTarget} the connection`);
    return { sent, received, ...(closedByTarget ? { closedByTarget } : {}) };
  } finally {
    sock.destroy();
  }
}
