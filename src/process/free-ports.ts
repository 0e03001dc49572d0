/**
 * Free local ports for the processes sipconf starts (managed SUTs, SIPp, Kamailio): they bind a number we pass on
 * their command line or config, so the port is chosen here, released, and bound by them a moment later.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * The range the kernel hands out for port 0 (binds and outgoing TCP connections), read from Linux's
 * ip_local_port_range; IANA's dynamic range (RFC 6335 §6) where that file is missing.
 */
export function ephemeralPortRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi) && lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    /* not Linux: fall through */
  }
  return [49152, 65535];
}

/** Where ports for child processes are drawn from: registered ports below the kernel's ephemeral range. */
export function childPortRange(): [number, number] {
  const [ephemeralLow] = ephemeralPortRange();
  const low = 20000;
  const high = ephemeralLow - 2; // the pair's second port stays below the ephemeral range too
  return high - low >= 1000 ? [low, high] : [10000, 19998];
}

async function bindBoth(host: string, port: number, held: Array<dgram.Socket | net.Server>): Promise<boolean> {
  const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const udpOk = await new Promise<boolean>((resolve) => {
    udp.once('error', () => resolve(false));
    udp.bind({ port, address: host, exclusive: true }, () => resolve(true));
  });
  if (!udpOk) {
    try {
      udp.close();
    } catch {
      /* already closed by the failed bind */
    }
    return false;
  }
  held.push(udp);
  const tcp = net.createServer();
  const tcpOk = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false));
    tcp.listen({ port, host, exclusive: true }, () => resolve(true));
  });
  if (tcpOk) held.push(tcp);
  return tcpOk;
}

/**
 * Ports for child processes (managed SUTs, SIPp, Kamailio), each free for both UDP and TCP on `host` together with
 * the port after it: user agents bind SIP over TLS on the SIP port + 1 (baresip 1.0 does, with no option to turn it
 * off; 5060/5061 is the same convention), and a SUT that finds its TLS port taken exits before it is ready.
 *
 * Candidates are drawn at random below the kernel's ephemeral range, so no socket bound to port 0 and no outgoing
 * TCP connection (every test uses those) can take a port between this check and the SUT's own bind. The sockets
 * are held until every port of the set is chosen, so the set has no duplicates and no overlapping pairs.
 */
export async function allocatePorts(host: string, count: number, [low, high] = childPortRange()): Promise<number[]> {
  const held: Array<dgram.Socket | net.Server> = [];
  const ports: number[] = [];
  try {
    for (let n = 0; n < count; n++) {
      let found: number | undefined;
      for (let attempt = 0; attempt < 200 && found === undefined; attempt++) {
        const port = low + Math.floor(Math.random() * (high - low + 1));
        if ((await bindBoth(host, port, held)) && (await bindBoth(host, port + 1, held))) found = port;
      }
      if (found === undefined)
        throw new Error(`no pair of ports free for both UDP and TCP on ${host} in ${low}-${high + 1} after 200 tries`);
      ports.push(found);
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * One port (with the one after it) that was free for UDP and TCP on `address` a moment ago. Between this probe and
 * the child's bind another process may take it: callers retry on the child's "cannot bind" (run-sipp.ts does).
 */
export async function probeFreePort(address = '127.0.0.1'): Promise<number> {
  const [port] = await allocatePorts(address, 1);
  return port!;
}
