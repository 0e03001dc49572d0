/**
 * Ports for child processes (RFC-less plumbing, but CI lost a run to it): each port and the one after it free for
 * UDP and TCP, drawn below the kernel's ephemeral range so port-0 binds and outgoing connections cannot take them.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { allocatePorts, childPortRange, ephemeralPortRange } from '../../src/process/free-ports';

describe('allocatePorts', () => {
  test('distinct ports below the ephemeral range, each bindable for UDP and TCP with the port after it (baresip binds TLS on SIP port + 1)', async () => {
    const ports = await allocatePorts('127.0.0.1', 3);
    const [ephemeralLow] = ephemeralPortRange();
    const [low, high] = childPortRange();
    expect(high + 1).toBeLessThan(ephemeralLow);
    const all = ports.flatMap((p) => [p, p + 1]);
    expect(new Set(all).size).toBe(6); // no pair overlaps another
    for (const port of all) {
      expect(port).toBeGreaterThanOrEqual(low);
      expect(port).toBeLessThanOrEqual(high + 1);
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, '127.0.0.1', () => resolve());
      });
      const tcp = net.createServer();
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  });

  test('a candidate whose own or next port is taken, for TCP or UDP, is passed over', async () => {
    // Find ten ports in a row free for both, then take four of them: TCP on L+1 and L+5, UDP on L+3 and L+7.
    // The only pairs left in [L, L+9] start at L+8 or L+9.
    const [low, high] = childPortRange();
    let base = low + Math.floor(Math.random() * (high - low - 20));
    const blockers: Array<net.Server | dgram.Socket> = [];
    try {
      // A range base … base+11 with every port free: each pair [p, p+1] for p = base, base+2 … base+10 is.
      const pairFree = (p: number) =>
        allocatePorts('127.0.0.1', 1, [p, p]).then(
          () => true,
          () => false,
        );
      const rangeFree = async () => {
        for (let p = base; p <= base + 10; p += 2) if (!(await pairFree(p))) return false;
        return true;
      };
      for (let tries = 0; !(await rangeFree()); tries++) {
        if (tries > 20) throw new Error('no twelve free ports in a row to test with');
        base += 12;
      }
      for (const p of [base + 1, base + 5]) {
        const srv = net.createServer();
        await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(p, '127.0.0.1', () => resolve()));
        blockers.push(srv);
      }
      for (const p of [base + 3, base + 7]) {
        const udp = dgram.createSocket('udp4');
        await new Promise<void>((resolve, reject) => udp.once('error', reject).bind(p, '127.0.0.1', () => resolve()));
        blockers.push(udp);
      }
      for (let run = 0; run < 10; run++) {
        const [port] = await allocatePorts('127.0.0.1', 1, [base, base + 9]);
        expect([base + 8, base + 9]).toContain(port);
      }
    } finally {
      await Promise.all(blockers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
  });
});
