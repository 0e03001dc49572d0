/**
 * The load engine's two UDP paths (native recvmmsg/sendmmsg batches, node:dgram) behave alike on real loopback
 * sockets: addresses and ports of senders, contents (up to a 60 kB datagram), replies to the sender, connected
 * sends, bursts larger than one batch, ICMP errors counted without losing the socket, and a clean close.
 */
import * as dgram from 'node:dgram';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { batchIoStatus, openLoadSocket, resolveIo, type LoadSocket } from '../../src/load/load-socket';
import { runLoad, startLoad } from '../../src/load/run-load';

const status = batchIoStatus();

test('the native batch path is built (npm ci runs node-gyp); in CI its absence is a failure', () => {
  // Outside CI a machine without a compiler falls back to dgram; CI must exercise both paths.
  if (process.env.CI) expect(status).toEqual({ available: true });
  else expect(status.available || typeof status.reason === 'string').toBe(true);
  expect(resolveIo('dgram')).toBe('dgram');
  expect(resolveIo('auto')).toBe(status.available && process.env.SIPCONF_LOAD_IO !== 'dgram' ? 'batch' : 'dgram');
});

const paths: Array<'batch' | 'dgram'> = status.available ? ['batch', 'dgram'] : ['dgram'];

function collect(
  s: LoadSocket,
  n: number,
  timeoutMs = 5000,
): Promise<Array<{ text: string; port: number; address: string; at: number; seenAt: number }>> {
  const got: Array<{ text: string; port: number; address: string; at: number; seenAt: number }> = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`got ${got.length} of ${n} datagrams`)), timeoutMs);
    s.onMessage((data, port, address, at) => {
      got.push({ text: data.toString('latin1'), port, address, at, seenAt: performance.now() });
      if (got.length === n) {
        clearTimeout(t);
        resolve(got);
      }
    });
  });
}

function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error('condition not met in time'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe.each(paths)('load socket over %s', (io) => {
  test.each([0, 5])(
    'a burst of 1,000 sends arrives intact with the sender address; replies go back to the sender through a connected socket (read coalescing %i ms)',
    async (coalesceMs) => {
      const a = await openLoadSocket({ address: '127.0.0.1', port: 0, bufferBytes: 4 << 20, io, coalesceMs });
      const b = await openLoadSocket({ address: '127.0.0.1', port: 0, bufferBytes: 4 << 20, io, coalesceMs });
      try {
        expect(a.io).toBe(io);
        expect(a.recvBufferBytes).toBeGreaterThan(0);
        await a.connect(b.local);
        const atB = collect(b, 1000);
        const sentAt = performance.now();
        for (let i = 0; i < 1000; i++) a.send(i % 2 ? `datagram ${i}` : Buffer.from(`datagram ${i}`));
        const got = await atB;
        // Arrival times: after the sends began, never after the handler saw the datagram (kernel timestamps on the
        // batch path, the event time on dgram).
        expect(got.every((g) => g.at >= sentAt - 1 && g.at <= g.seenAt)).toBe(true);
        expect(new Set(got.map((g) => g.text)).size).toBe(1000);
        expect(got.every((g) => g.port === a.local.port && g.address === '127.0.0.1')).toBe(true);
        const atA = collect(a, 3);
        b.send('reply 1', a.local.port, '127.0.0.1');
        b.send(Buffer.from('reply 2'), a.local.port, '127.0.0.1');
        b.send('réponse 3', a.local.port, '127.0.0.1'); // strings leave as UTF-8, like dgram
        expect((await atA).map((g) => Buffer.from(g.text, 'latin1').toString('utf8'))).toEqual([
          'reply 1',
          'reply 2',
          'réponse 3',
        ]);
      } finally {
        await a.close();
        await b.close();
      }
    },
  );

  test('a 60,000-byte datagram and a plain dgram peer', async () => {
    const s = await openLoadSocket({ address: '127.0.0.1', port: 0, bufferBytes: 4 << 20, io });
    const peer = dgram.createSocket('udp4');
    try {
      await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
      const big = Buffer.alloc(60_000, 0x61);
      big.write('head', 0);
      const atS = collect(s, 1);
      peer.send(big, s.local.port, '127.0.0.1');
      const [g] = await atS;
      expect(g!.text.length).toBe(60_000);
      expect(g!.text.startsWith('headaaa')).toBe(true);
      expect(g!.port).toBe(peer.address().port);
      const back = new Promise<Buffer>((r) => peer.once('message', (m) => r(m)));
      s.send(big, g!.port, g!.address);
      expect((await back).equals(big)).toBe(true);
    } finally {
      await s.close();
      await new Promise<void>((r) => peer.close(() => r()));
    }
  });

  test('ICMP port unreachable on a connected socket is counted, and the socket still hears its peer afterwards', async () => {
    // A port with nobody on it: bind, note, release.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const s = await openLoadSocket({ address: '127.0.0.1', port: 0, bufferBytes: 1 << 20, io });
    const peer = dgram.createSocket('udp4');
    try {
      await s.connect({ address: '127.0.0.1', port });
      s.send('anyone?');
      await until(() => s.errors > 0);
      await new Promise<void>((r) => peer.bind(port, '127.0.0.1', () => r()));
      const atS = collect(s, 1);
      peer.send('here now', s.local.port, '127.0.0.1');
      expect((await atS)[0]!.text).toBe('here now');
    } finally {
      await s.close();
      await new Promise<void>((r) => peer.close(() => r()));
    }
  });

  test('a load run uses the path asked for: our UAC against our UAS, 400 calls', async () => {
    const uas = await startLoad({ mode: 'uas', io });
    try {
      const r = await runLoad({ target: `127.0.0.1:${uas.local.port}`, rate: 400, calls: 400, io });
      expect(r.io).toBe(io);
      expect(r.calls).toMatchObject({ started: 400, completed: 400, failed: 0 });
      const u = await uas.stop();
      expect(u.io).toBe(io);
      expect(u.calls).toMatchObject({ started: 400, completed: 400, failed: 0 });
    } finally {
      await uas.stop();
    }
  });
});

test('a closed socket frees its port (bind it again at once)', async () => {
  for (const io of paths) {
    const s = await openLoadSocket({ address: '127.0.0.1', port: 0, bufferBytes: 1 << 20, io });
    const port = s.local.port;
    await s.close();
    await s.close(); // twice is harmless
    const again = await openLoadSocket({ address: '127.0.0.1', port, bufferBytes: 1 << 20, io });
    expect(again.local.port).toBe(port);
    await again.close();
  }
});

test.each(paths)(
  'a worker thread terminated with its %s socket open exits cleanly (the addon closes its handles at teardown)',
  async (io) => {
    const addonPath = join(__dirname, '..', '..', 'build', 'Release', 'udp_batch.node');
    const code =
      io === 'batch'
        ? `const a = require(${JSON.stringify(addonPath)});
         const [, port] = a.create(4, '127.0.0.1', 0, 1 << 20, 1 << 20, Buffer.allocUnsafeSlow(a.SLOT * a.RECV_BATCH), new Uint32Array(a.RECV_BATCH * a.META),
           Buffer.allocUnsafeSlow(1 << 20), new Uint32Array(a.SEND_BATCH * a.META), new Int32Array(3), () => {}, () => {}, {}, 1);
         require('node:worker_threads').parentPort.postMessage(port);`
        : `const s = require('node:dgram').createSocket('udp4');
         s.bind(0, '127.0.0.1', () => require('node:worker_threads').parentPort.postMessage(s.address().port));`;
    const w = new Worker(code, { eval: true });
    const port = await new Promise<number>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(port).toBeGreaterThan(0);
    expect(await w.terminate()).toBe(1);
    // The port is free again: the worker's socket was closed.
    const again = await openLoadSocket({ address: '127.0.0.1', port, bufferBytes: 1 << 20, io });
    await again.close();
  },
);

test('binding a taken port fails on either path', async () => {
  const taken = dgram.createSocket('udp4');
  await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
  try {
    for (const io of paths)
      await expect(
        openLoadSocket({ address: '127.0.0.1', port: taken.address().port, bufferBytes: 1 << 20, io }),
      ).rejects.toThrow(/EADDRINUSE|in use/i);
  } finally {
    await new Promise<void>((r) => taken.close(() => r()));
  }
});
