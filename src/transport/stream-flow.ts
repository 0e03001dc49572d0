/**
 * A TCP or TLS connection as a flow (RFC 3261 §18.3 framing, RFC 5626 §3.5.1 CRLF keep-alives). For TLS the
 * TLSSocket wraps a plain net.Socket we keep (`raw`), so reset() can send a real RST under TLS too.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { StreamFramer } from '../sip/framing';
import type { FramerOptions } from '../sip/framing';
import { BaseFlow } from './flow-base';
import type { FlowHost, Inbound } from './flow-base';
import { TransportError } from './types';
import type { Endpoint } from './types';

const PING = Buffer.from('\r\n\r\n');
const PONG = Buffer.from('\r\n');
/** How long a graceful close waits for the peer's FIN before destroying the socket. */
const CLOSE_WAIT_MS = 2000;

export class StreamFlow extends BaseFlow {
  readonly reliable = true;
  private readonly framer: StreamFramer;
  private socketClosed = false;
  private readonly socketCloseWaiters: Array<() => void> = [];

  constructor(
    host: FlowHost,
    transport: 'tcp' | 'tls',
    private readonly socket: Socket | TLSSocket,
    private readonly raw: Socket,
    framing: FramerOptions,
  ) {
    super(transport, localOf(raw), remoteOf(raw), host);
    this.framer = new StreamFramer(framing);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onRemoteEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
    socket.on('close', () => this.onSocketClose());
    if (raw !== socket) {
      raw.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
      raw.on('close', () => this.onSocketClose());
    }
  }

  protected write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed || !this.socket.writable) {
        reject(new TransportError(`cannot send on ${this.id}: socket is no longer writable`, this.id));
        return;
      }
      this.socket.write(data, (err) =>
        err ? reject(new TransportError(`send on ${this.id} failed: ${err.message}`, this.id)) : resolve(),
      );
    });
  }

  /** RFC 5626 §3.5.1: a ping is a double CRLF; the answer (a single CRLF) is reported as the layer's 'pong'. */
  async ping(): Promise<void> {
    if (this.closed)
      throw new TransportError(`cannot ping on ${this.id}: flow is closed (${this.closeReason})`, this.id);
    this.pingsOutstanding.push(performance.now());
    await this.send(PING, 'keepalive');
  }

  protected handle(unit: Inbound): void {
    switch (unit.kind) {
      case 'sip':
        this.host.deliver(this, unit.data);
        return;
      case 'ping':
        this.host.notify('ping', this);
        // RFC 5626 §3.5.1: a pong answers every ping received on the flow.
        if (this.host.autoPong) this.send(PONG, 'keepalive').catch(() => undefined);
        return;
      case 'pong':
        this.pongReceived();
        return;
      case 'stun':
        return; // STUN over a SIP stream is not framed by §18.3; never produced by the framer.
    }
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.fault('close');
      this.markClosed('local');
      this.socket.end();
    }
    await this.waitSocketClose(CLOSE_WAIT_MS);
  }

  reset(): void {
    if (this.closed) return;
    this.fault('reset');
    this.markClosed('local');
    this.hardReset();
  }

  /** Layer shutdown: graceful, not recorded as a fault, bounded by waitMs. */
  async shutdown(waitMs: number): Promise<void> {
    if (!this.closed) {
      this.markClosed('local');
      this.socket.end();
    }
    await this.waitSocketClose(waitMs);
  }

  private hardReset(): void {
    // Under TLS, an RST sent while the peer's TLS layer is still inside the read that delivered our last message
    // (an in-process peer reacting synchronously) reaches it as EOF, not ECONNRESET: let that read finish first.
    if (this.socket !== this.raw) setImmediate(() => this.rawReset());
    else this.rawReset();
  }

  private rawReset(): void {
    try {
      this.raw.resetAndDestroy(); // SO_LINGER 0 + close = RST
    } catch {
      this.raw.destroy();
    }
    // The TLSSocket follows its raw socket down by itself; destroying it here first could send close_notify, and
    // the peer would see a graceful close instead of the RST.
  }

  private waitSocketClose(ms: number): Promise<void> {
    if (this.socketClosed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        this.raw.destroy();
        resolve();
      }, ms);
      this.socketCloseWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames;
    try {
      frames = this.framer.push(chunk, { awaitingPong: this.pingsOutstanding.length > 0 });
    } catch (err) {
      this.garbage(chunk, `framer failed: ${(err as Error).message}`);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      if (f.kind === 'message') this.receive({ kind: 'sip', data: f.data });
      else if (f.kind === 'ping') this.receive({ kind: 'ping', data: PING });
      else if (f.kind === 'pong') this.receive({ kind: 'pong', data: PONG });
      else {
        this.garbage(f.data, f.message);
        return;
      }
    }
  }

  /** Framing error: the stream cannot be resynchronised, so record it, tell the layer and close (FIN). */
  private garbage(data: Buffer, reason: string): void {
    this.record('in', 'garbage', data, reason);
    this.host.notify('garbage', this, data, reason);
    if (!this.closed) this.record('out', 'fault', Buffer.alloc(0), 'close after framing error');
    if (this.markClosed('error')) {
      this.socket.end();
      this.waitSocketClose(CLOSE_WAIT_MS).catch(() => undefined);
    }
  }

  private onRemoteEnd(): void {
    if (this.closed) return;
    this.remoteFault('remote close');
    this.markClosed('fin'); // allowHalfOpen is false: node answers the FIN with ours
  }

  private onError(err: NodeJS.ErrnoException): void {
    if (this.closed) {
      this.socket.destroy();
      return;
    }
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      this.remoteFault('remote reset');
      this.markClosed('reset');
    } else {
      this.remoteFault(`socket error: ${err.code ?? err.message}`);
      this.markClosed('error');
    }
    this.socket.destroy();
    this.raw.destroy();
  }

  private onSocketClose(): void {
    if (!this.closed) {
      this.remoteFault('remote close');
      this.markClosed('fin');
    }
    if (this.socket.destroyed && this.raw.destroyed && !this.socketClosed) {
      this.socketClosed = true;
      for (const w of this.socketCloseWaiters.splice(0)) w();
    }
  }
}

function localOf(s: Socket): Endpoint {
  return { address: stripV4Mapped(s.localAddress ?? ''), port: s.localPort ?? 0 };
}

function remoteOf(s: Socket): Endpoint {
  return { address: stripV4Mapped(s.remoteAddress ?? ''), port: s.remotePort ?? 0 };
}

function stripV4Mapped(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
