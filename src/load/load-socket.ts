/**
 * The load engine's UDP socket, over one of two I/O paths with the same behaviour:
 *  - 'batch': the native addon (native/udp_batch.c, built by `npm ci` through binding.gyp) — recvmmsg/sendmmsg
 *    polled by libuv: one JS call per received batch of up to 64 datagrams, and the datagrams sent during one
 *    batch (or one timer tick) leave in one sendmmsg; reading pauses 1 ms after each wakeup, so a busy socket is
 *    read in batches about once a millisecond (at most ~1 ms of added latency);
 *  - 'dgram': node:dgram, one callback and one send per datagram.
 * 'auto' (the default) takes 'batch' when the addon loaded, else 'dgram'; SIPCONF_LOAD_IO=dgram|batch overrides
 * 'auto'. The engines see the same calls either way: onMessage(data, port, address) per datagram (data is valid
 * during the call only: the batch path reuses its receive memory) and send(msg, port?, address?).
 */
import * as dgram from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { Endpoint } from '../transport/types';

export type LoadIo = 'auto' | 'batch' | 'dgram';

export interface LoadSocket {
  readonly io: 'batch' | 'dgram' | 'tcp';
  readonly local: Endpoint;
  readonly recvBufferBytes?: number;
  readonly sendBufferBytes?: number;
  /** ICMP errors reported on the socket, datagrams the kernel refused. */
  readonly errors: number;
  /** Every later datagram goes to `target` (send without port/address) and only the target is heard. */
  connect(target: Endpoint): Promise<void>;
  /** `at`: when the datagram arrived (performance.now() time base) — on the batch path the kernel's receive
   *  timestamp, so that read coalescing and event-loop delays do not count in measured response times. */
  onMessage(handler: (data: Buffer, port: number, address: string, at: number) => void): void;
  /** To the connected peer without port/address. Strings are sent as UTF-8. */
  send(msg: string | Buffer, port?: number, address?: string): void;
  close(): Promise<void>;
}

interface Addon {
  create(
    family: number,
    host: string,
    port: number,
    rcvbuf: number,
    sndbuf: number,
    recvArena: Buffer,
    recvMeta: Uint32Array,
    sendArena: Buffer,
    sendMeta: Uint32Array,
    status: Int32Array,
    onRecv: (n: number) => void,
    onWritable: () => void,
    resource: object,
    coalesceMs: number,
  ): [unknown, number, number, number];
  connect(h: unknown, host: string, port: number): number;
  flush(h: unknown, count: number): void;
  close(h: unknown, cb: () => void): void;
  ref(h: unknown, on: boolean): void;
  ntop6(bytes: Uint8Array): string;
  pton(family: number, host: string, out: Uint8Array): boolean;
  SLOT: number;
  RECV_BATCH: number;
  SEND_BATCH: number;
  META: number;
}

let addon: Addon | undefined;
let addonError: string | undefined;
try {
  if (process.platform !== 'linux') throw new Error(`the batch UDP addon is Linux only (this is ${process.platform})`);
  // From src/load or dist/load: the addon is built into <package root>/build/Release.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon loads only through require()
  addon = require(join(__dirname, '..', '..', 'build', 'Release', 'udp_batch.node')) as Addon;
} catch (e) {
  addonError = (e as Error).message.split('\n')[0];
}

/** Whether the batch path is available, and why not. */
export function batchIoStatus(): { available: boolean; reason?: string } {
  return addon ? { available: true } : { available: false, reason: addonError };
}

export function resolveIo(io: LoadIo | undefined): 'batch' | 'dgram' {
  let want = io ?? 'auto';
  if (want === 'auto') {
    const env = process.env.SIPCONF_LOAD_IO;
    if (env === 'dgram' || env === 'batch') want = env;
  }
  if (want === 'dgram') return 'dgram';
  if (want === 'batch' && !addon) throw new Error(`the batch UDP path is not available: ${addonError}`);
  return addon ? 'batch' : 'dgram';
}

/** How long the batch path pauses reading after a wakeup (see native/udp_batch.c), ms; SIPCONF_LOAD_COALESCE_MS
 *  overrides it (0: read at every wakeup). */
export const DEFAULT_COALESCE_MS = 1;

function coalesceDefault(): number {
  const v = Number(process.env.SIPCONF_LOAD_COALESCE_MS);
  return process.env.SIPCONF_LOAD_COALESCE_MS !== undefined && Number.isFinite(v) && v >= 0 ? v : DEFAULT_COALESCE_MS;
}

export async function openLoadSocket(o: {
  address: string;
  port: number;
  bufferBytes: number;
  io?: LoadIo;
  coalesceMs?: number;
}): Promise<LoadSocket> {
  return resolveIo(o.io) === 'batch'
    ? BatchSocket.open(o.address, o.port, o.bufferBytes, o.coalesceMs ?? coalesceDefault())
    : DgramSocket.open(o.address, o.port, o.bufferBytes);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** dgram's lookup for addresses that are already IP literals (anything else is an error, never a DNS query). */
function ipLiteralLookup(hostname: string, options: unknown, callback: LookupCallback): void {
  const cb = typeof options === 'function' ? (options as LookupCallback) : callback;
  const family = isIP(hostname);
  if (family === 0) cb(Object.assign(new Error(`not an IP address: ${hostname}`), { code: 'EINVAL' }), '', 0);
  else cb(null, hostname, family);
}

class DgramSocket implements LoadSocket {
  readonly io = 'dgram';
  errors = 0;
  recvBufferBytes?: number;
  sendBufferBytes?: number;
  private constructor(
    private readonly socket: dgram.Socket,
    readonly local: Endpoint,
  ) {
    socket.on('error', () => this.errors++); // ICMP unreachable (ECONNREFUSED) and the like: calls then time out
  }

  static async open(address: string, port: number, bufferBytes: number): Promise<DgramSocket> {
    // Every address we send to is an IP literal: answer the lookup at once, instead of dns.lookup deferring each
    // unconnected send (the UAS answers every peer from one socket) to the next tick.
    const socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', lookup: ipLiteralLookup });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((e: Error) => {
      socket.close();
      throw e;
    });
    const a = socket.address();
    const s = new DgramSocket(socket, { address: a.address, port: a.port });
    try {
      socket.setRecvBufferSize(bufferBytes);
      socket.setSendBufferSize(bufferBytes);
      s.recvBufferBytes = socket.getRecvBufferSize();
      s.sendBufferBytes = socket.getSendBufferSize();
    } catch {
      // The kernel refused the size: keep its default.
    }
    return s;
  }

  connect(target: Endpoint): Promise<void> {
    // A connected socket sends without a per-datagram address lookup and only hears the target.
    return new Promise<void>((resolve) => this.socket.connect(target.port, target.address, () => resolve()));
  }

  onMessage(handler: (data: Buffer, port: number, address: string, at: number) => void): void {
    this.socket.on('message', (data, r) => handler(data, r.port, r.address, performance.now()));
  }

  send(msg: string | Buffer, port?: number, address?: string): void {
    if (port === undefined) this.socket.send(msg);
    else this.socket.send(msg, port, address);
  }

  private closing?: Promise<void>;

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => this.socket.close(() => resolve()));
    return this.closing;
  }
}

const SEND_ARENA = 1 << 20;

class BatchSocket implements LoadSocket {
  readonly io = 'batch';
  errors = 0;
  private handle: unknown;
  private handler: (data: Buffer, port: number, address: string, at: number) => void = () => {};
  private readonly a: Addon;
  private readonly recvArena: Buffer;
  private readonly recvMeta: Uint32Array;
  private readonly recvMetaBytes: Uint8Array;
  private readonly sendArena: Buffer;
  private readonly sendMeta: Uint32Array;
  private readonly sendMetaBytes: Uint8Array;
  private readonly status = new Int32Array(3);
  /** Staged datagrams and bytes. */
  private count = 0;
  private used = 0;
  private flushQueued = false;
  private inBatch = false;
  private closed = false;
  /** Address text ↔ bytes, for the peers seen (usually one or two). */
  private readonly v4Names = new Map<number, string>();
  private readonly addrBytes = new Map<string, Uint8Array>();
  local!: Endpoint;
  recvBufferBytes?: number;
  sendBufferBytes?: number;
  private readonly family: number;

  private constructor(a: Addon, family: number) {
    this.a = a;
    this.family = family;
    this.recvArena = Buffer.allocUnsafeSlow(a.SLOT * a.RECV_BATCH);
    this.recvMeta = new Uint32Array(a.RECV_BATCH * a.META);
    this.recvMetaBytes = new Uint8Array(this.recvMeta.buffer);
    this.sendArena = Buffer.allocUnsafeSlow(SEND_ARENA);
    this.sendMeta = new Uint32Array(a.SEND_BATCH * a.META);
    this.sendMetaBytes = new Uint8Array(this.sendMeta.buffer);
  }

  static async open(address: string, port: number, bufferBytes: number, coalesceMs: number): Promise<BatchSocket> {
    const a = addon!;
    const family = isIPv6(address) ? 6 : 4;
    const s = new BatchSocket(a, family);
    const [h, bound, rcv, snd] = a.create(
      family,
      address,
      port,
      bufferBytes,
      bufferBytes,
      s.recvArena,
      s.recvMeta,
      s.sendArena,
      s.sendMeta,
      s.status,
      (n) => s.onBatch(n),
      () => s.flush(),
      s,
      Math.max(0, Math.round(coalesceMs)),
    );
    s.handle = h;
    s.local = { address, port: bound };
    s.recvBufferBytes = rcv;
    s.sendBufferBytes = snd;
    return s;
  }

  connect(target: Endpoint): Promise<void> {
    const e = this.a.connect(this.handle, target.address, target.port);
    if (e !== 0)
      return Promise.reject(
        Object.assign(new Error(`connect ${target.address}:${target.port}: errno ${e}`), { errno: e }),
      );
    return Promise.resolve();
  }

  onMessage(handler: (data: Buffer, port: number, address: string, at: number) => void): void {
    this.handler = handler;
  }

  private onBatch(n: number): void {
    if (n < 0) {
      this.errors++;
      return;
    }
    const meta = this.recvMeta;
    const slot = this.a.SLOT;
    const M = this.a.META;
    this.inBatch = true;
    const now = performance.now();
    try {
      for (let i = 0; i < n; i++) {
        const m = i * M;
        if (meta[m + 7]) {
          this.errors++; // truncated: larger than a slot (64 KiB), cannot be a whole UDP datagram
          continue;
        }
        const off = i * slot;
        this.handler(
          this.recvArena.subarray(off, off + meta[m]!),
          meta[m + 1]!,
          this.nameOf(m),
          now - meta[m + 8]! / 1000,
        );
      }
    } finally {
      this.inBatch = false;
      if (this.count > 0) this.flush();
    }
  }

  private nameOf(m: number): string {
    const meta = this.recvMeta;
    if (meta[m + 2] === 4) {
      const key = meta[m + 3]!;
      let name = this.v4Names.get(key);
      if (name === undefined) {
        const b = this.recvMetaBytes;
        const o = (m + 3) * 4;
        name = `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
        if (this.v4Names.size > 1024) this.v4Names.clear();
        this.v4Names.set(key, name);
      }
      return name;
    }
    return this.a.ntop6(this.recvMetaBytes.subarray((m + 3) * 4, (m + 7) * 4));
  }

  private bytesOf(address: string): Uint8Array | undefined {
    let b = this.addrBytes.get(address);
    if (b === undefined) {
      b = new Uint8Array(16);
      if (!this.a.pton(this.family, address, b)) return undefined;
      if (this.addrBytes.size > 1024) this.addrBytes.clear();
      this.addrBytes.set(address, b);
    }
    return b;
  }

  send(msg: string | Buffer, port?: number, address?: string): void {
    if (this.closed) return;
    const M = this.a.META;
    // Room for the datagram (a string takes at most 3 bytes per UTF-16 unit) and its meta words.
    const most = typeof msg === 'string' ? msg.length * 3 : msg.length;
    if (this.count === this.a.SEND_BATCH || this.used + most > SEND_ARENA) {
      this.flush();
      if (this.count === this.a.SEND_BATCH || this.used + most > SEND_ARENA) {
        this.errors++; // the kernel would not take more (EAGAIN): UDP may drop
        return;
      }
    }
    let addr: Uint8Array | undefined;
    if (port !== undefined) {
      addr = this.bytesOf(address ?? '');
      if (!addr) {
        this.errors++;
        return;
      }
    }
    const off = this.used;
    const len = typeof msg === 'string' ? this.sendArena.write(msg, off) : (this.sendArena.set(msg, off), msg.length);
    const m = this.count * M;
    const meta = this.sendMeta;
    meta[m] = off;
    meta[m + 1] = len;
    meta[m + 2] = port ?? 0;
    meta[m + 3] = this.family;
    if (addr) this.sendMetaBytes.set(addr, (m + 4) * 4);
    this.used = off + len;
    this.count++;
    if (!this.inBatch && !this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushTask); // cheaper than queueMicrotask (no AsyncResource per call)
    }
  }

  private readonly flushTask = (): void => {
    this.flushQueued = false;
    if (this.count > 0) this.flush();
  };

  /** Sends what is staged; what the kernel would not take yet (EAGAIN) stays staged for the writable callback. */
  private flush(): void {
    if (this.closed || this.count === 0) return;
    this.a.flush(this.handle, this.count);
    const [done, errors] = this.status;
    this.errors += errors!;
    if (done! >= this.count) {
      this.count = 0;
      this.used = 0;
      return;
    }
    // Keep the rest, moved to the front.
    const M = this.a.META;
    const meta = this.sendMeta;
    const from = meta[done! * M]!;
    this.sendArena.copyWithin(0, from, this.used);
    meta.copyWithin(0, done! * M, this.count * M);
    this.count -= done!;
    this.used -= from;
    for (let i = 0; i < this.count; i++) meta[i * M] = meta[i * M]! - from;
  }

  private closing?: Promise<void>;

  close(): Promise<void> {
    if (!this.closing) {
      this.flush();
      this.closed = true;
      this.closing = new Promise<void>((resolve) => this.a.close(this.handle, () => resolve()));
    }
    return this.closing;
  }
}
