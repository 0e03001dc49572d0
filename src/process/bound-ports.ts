/**
 * "Has this child process bound its port yet?" — readiness for processes sipconf starts on a port it chose
 * (free-ports.ts): read from Linux /proc (the process's socket inodes against /proc/net/{udp,tcp}), with a bind
 * probe where /proc is missing.
 */
import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

function bindUdp(address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    s.once('error', (e) => {
      s.close();
      reject(e);
    });
    s.bind(port, address, () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function listenTcp(address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port, host: address, exclusive: true }, () => {
      const a = srv.address();
      const p = typeof a === 'object' && a ? a.port : port;
      srv.close(() => resolve(p));
    });
  });
}

/** Socket inodes the process holds (Linux /proc), or undefined when /proc cannot tell. */
function socketInodes(pid: number): Set<string> | undefined {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // fd closed meanwhile
      }
    }
    return inodes;
  } catch {
    return undefined;
  }
}

/**
 * True when process `pid` holds a socket bound to `port` (UDP) or listening on it (TCP), read from /proc/net.
 * Undefined when /proc is not available (not Linux): the caller then falls back to a bind probe.
 */
export function processHasBound(pid: number, port: number, protocol: 'udp' | 'tcp'): boolean | undefined {
  const inodes = socketInodes(pid);
  if (!inodes) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of protocol === 'udp' ? ['udp', 'udp6'] : ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length < 10) continue;
      const local = f[1]!;
      if (!local.endsWith(`:${hexPort}`)) continue;
      if (protocol === 'tcp' && f[3] !== '0A') continue; // LISTEN
      if (inodes.has(f[9]!)) return true;
    }
  }
  return false;
}

/** Fallback readiness where /proc is missing: the port is taken when we cannot bind it ourselves. */
export async function portIsTaken(address: string, port: number, protocol: 'udp' | 'tcp'): Promise<boolean> {
  try {
    if (protocol === 'udp') await bindUdp(address, port);
    else await listenTcp(address, port);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
  }
}
