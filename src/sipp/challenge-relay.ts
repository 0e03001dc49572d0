/**
 * A loopback relay between SIPp and the SUT that lets SIPp 3.6.1 answer RFC 8760 Digest challenges.
 *
 * RFC 8760 §2.4: a server may challenge with one WWW-Authenticate / Proxy-Authenticate per algorithm, most
 * preferred first (e.g. SHA-256, then MD5), and the UAC MUST use the topmost one it supports. SIPp 3.6.1 supports
 * only MD5 (and AKAv1-MD5) and reads the first challenge whatever its algorithm, so it stops with "authentication
 * must use MD5 or AKAv1-MD5". The relay removes, from 401/407 responses only, the challenges SIPp cannot answer
 * when at least one it can answer is left — which is exactly the choice RFC 8760 asks of the UAC. Every other byte
 * passes unchanged (bodies untouched, so Content-Length stays right).
 *
 * Flows are kept one to one: each SIPp TCP connection gets its own connection to the SUT, and over UDP each SIPp
 * source address its own socket, so an RFC 5626 flow SIPp registers is still one flow at the SUT.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, isIPv6, type Server, type Socket } from 'node:net';
import { StreamFramer } from '../sip/framing';
import type { Endpoint } from '../transport/types';

export interface ChallengeRelay {
  /** Where SIPp sends (its target). */
  readonly local: Endpoint;
  /** Challenges removed so far (each one SIPp could not have answered). */
  readonly removed: number;
  /** One line per rewritten response, for the report. */
  readonly log: string[];
  close(): Promise<void>;
}

const SIPP_ALGORITHMS = new Set(['md5', 'akav1-md5']);
const CHALLENGE = /^(www-authenticate|proxy-authenticate)\s*:/i;

function algorithmOf(value: string): string {
  const m = /(?:^|[\s,])algorithm\s*=\s*"?([^",\s]+)/i.exec(value);
  return (m ? m[1]! : 'MD5').toLowerCase();
}

/**
 * The message with the 401/407 challenges SIPp cannot answer removed, when one it can answer remains for the same
 * header; otherwise the message itself. `removed` counts the challenges dropped.
 */
export function keepSippChallenges(data: Buffer): { data: Buffer; removed: number } {
  const head = data.subarray(0, Math.min(data.length, 16)).toString('latin1');
  if (!/^SIP\/2\.0 40[17] /.test(head)) return { data, removed: 0 };
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return { data, removed: 0 };
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  // Header fields with their folded continuation lines (RFC 3261 §7.3.1).
  const fields: string[][] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]!.push(line);
    else fields.push([line]);
  }
  const challenges = fields.filter((f) => CHALLENGE.test(f[0]!));
  if (challenges.length < 2) return { data, removed: 0 };
  const drop = new Set<string[]>();
  for (const name of ['www-authenticate', 'proxy-authenticate']) {
    const mine = challenges.filter((f) => f[0]!.toLowerCase().startsWith(name));
    const supported = mine.filter((f) => SIPP_ALGORITHMS.has(algorithmOf(f.join(' '))));
    if (supported.length === 0 || supported.length === mine.length) continue;
    for (const f of mine) if (!supported.includes(f)) drop.add(f);
  }
  if (drop.size === 0) return { data, removed: 0 };
  const kept = fields.filter((f) => !drop.has(f)).flat();
  return { data: Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), data.subarray(end)]), removed: drop.size };
}

class Relay implements ChallengeRelay {
  removed = 0;
  readonly log: string[] = [];
  local: Endpoint = { address: '', port: 0 };
  private readonly closers: Array<() => Promise<void>> = [];

  filter(data: Buffer): Buffer {
    const r = keepSippChallenges(data);
    if (r.removed) {
      this.removed += r.removed;
      this.log.push(
        `${data.subarray(0, data.indexOf('\r\n')).toString('latin1')}: removed ${r.removed} challenge(s) with an algorithm SIPp 3.6.1 cannot use (RFC 8760 §2.4)`,
      );
    }
    return r.data;
  }

  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.splice(0).map((c) => c().catch(() => undefined)));
  }
}

function bindUdp(host: string, port = 0): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(port, host, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

const closeUdp = (s: UdpSocket) => new Promise<void>((r) => s.close(() => r()));

async function startUdp(relay: Relay, upstream: Endpoint, host: string): Promise<void> {
  const front = await bindUdp(host);
  const addr = front.address();
  relay.local = { address: addr.address, port: addr.port };
  const backs = new Map<string, Promise<UdpSocket>>();
  front.on('error', () => undefined);
  front.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let back = backs.get(key);
    if (!back) {
      back = bindUdp(host).then((s) => {
        s.on('error', () => undefined);
        s.on('message', (m) => front.send(relay.filter(m), rinfo.port, rinfo.address));
        return s;
      });
      backs.set(key, back);
    }
    void back.then((s) => s.send(msg, upstream.port, upstream.address)).catch(() => undefined);
  });
  relay.onClose(async () => {
    const socks = await Promise.all([...backs.values()].map((b) => b.catch(() => undefined)));
    await Promise.all(socks.filter((s): s is UdpSocket => !!s).map(closeUdp));
    await closeUdp(front);
  });
}

async function startTcp(relay: Relay, upstream: Endpoint, host: string): Promise<void> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    const back = connect({ host: upstream.address, port: upstream.port, localAddress: host });
    track(back);
    const framer = new StreamFramer();
    back.on('connect', () => client.resume());
    // One connection each way: a close on one side closes the other (the flow ends at the SUT too, RFC 5626 §5.2).
    back.on('close', () => client.destroy());
    client.on('close', () => back.destroy());
    client.on('data', (d) => back.write(d));
    back.on('data', (d) => {
      for (const f of framer.push(d)) {
        if (f.kind === 'message') client.write(relay.filter(f.data));
        else if (f.kind === 'ping') client.write('\r\n\r\n');
        else if (f.kind === 'pong') client.write('\r\n');
        else client.write(f.data);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  relay.local = { address: host, port: typeof a === 'object' && a ? a.port : 0 };
  relay.onClose(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
}

/** Starts a relay on loopback in front of `upstream` (the SUT) for one transport. */
export async function startChallengeRelay(opts: {
  upstream: Endpoint;
  transport: 'udp' | 'tcp';
  host?: string;
}): Promise<ChallengeRelay> {
  const relay = new Relay();
  const host = opts.host ?? (opts.upstream.address.includes(':') ? '::1' : '127.0.0.1');
  if (opts.transport === 'udp') await startUdp(relay, opts.upstream, host);
  else await startTcp(relay, opts.upstream, host);
  return relay;
}
