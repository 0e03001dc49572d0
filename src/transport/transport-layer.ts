/**
 * The transport layer of one agent (RFC 3261 §18): UDP on node:dgram, TCP on node:net, TLS on node:tls, every
 * connection or 5-tuple a flow (RFC 5626 §3.3), CRLF and STUN keep-alives (RFC 5626 §3.5.1, §4.4), and fault
 * injection per flow. Every byte sent or received and every fault lands in the Trace under this agent's name.
 *
 * Events: TransportEvents (transport-events.ts), typed. Socket handlers never throw; 'error' is never emitted.
 */
import { EventEmitter } from 'node:events';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { BaseFlow, FlowHost } from './flow-base';
import { classifyDatagram, normalizeAddress, streamKey } from './flow-keys';
import { KeepaliveOptions, Keepalives } from './keepalive';
import { StreamFlow } from './stream-flow';
import { SocketsOpening, TlsClientOptions, acceptTls, connectStream } from './stream-sockets';
import type { FramerOptions } from '../sip/framing';
import { Trace } from './trace';
import type { TransportEvents } from './transport-events';
import type { FlowToOptions, TransportLayerOptions } from './transport-options';
import { formatEndpoint, TransportError } from './types';
import type {
  Endpoint,
  Flow,
  FlowCloseReason,
  InboundMessage,
  Listener,
  ListenOptions,
  TransportProtocol,
} from './types';
import { UdpFlow } from './udp-flow';

/** What EventEmitter's listeners(eventName) returns. */
type EmitterListeners = ReturnType<EventEmitter['listeners']>;

interface UdpListener extends Listener {
  readonly transport: 'udp';
  readonly family: 4 | 6;
  readonly socket: dgram.Socket;
}

interface StreamListener extends Listener {
  readonly transport: 'tcp' | 'tls';
  readonly family: 4 | 6;
  readonly server: net.Server;
}

const DEFAULT_UDP_BUFFER = 4 * 1024 * 1024;
const SHUTDOWN_WAIT_MS = 500;

export type { FlowToOptions, KeepaliveOptions, TlsClientOptions, TransportLayerOptions };

/** Typed events (TransportEvents): listeners' parameters are checked against the event map. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the interface only types the events
export interface TransportLayer {
  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this;
  once<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this;
  off<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this;
  emit<E extends keyof TransportEvents>(event: E, ...args: TransportEvents[E]): boolean;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the interface only types the events
export class TransportLayer extends EventEmitter implements FlowHost {
  readonly trace: Trace;
  readonly agent?: string;
  /** Mutable: automatic pongs may be turned off and on during a check (a peer that stops answering keep-alives). */
  autoPong: boolean;
  /** Errors thrown by our own event listeners (never rethrown into a socket handler). */
  readonly handlerErrors: unknown[] = [];

  private readonly udpBufferBytes: number;
  private readonly tlsClient: TlsClientOptions;
  private readonly connectTimeoutMs: number;
  private readonly framing: FramerOptions;
  private readonly udpListeners: UdpListener[] = [];
  private readonly streamListeners: StreamListener[] = [];
  private readonly flowMap = new Map<string, BaseFlow>();
  /** "listenerIndex|address|port" → the UDP flow of that 5-tuple. */
  private readonly udpFlows = new Map<string, UdpFlow>();
  private readonly udpKeys = new Map<string, string>();
  /** "transport|address|port" → the open stream flows to that remote, oldest first (for reuse, RFC 5626 §5.3). */
  private readonly streamIndex = new Map<string, BaseFlow[]>();
  private readonly connecting = new Map<string, Promise<Flow>>();
  /** Sockets not yet flows (connecting, TLS handshaking), aborted by close(). */
  private readonly opening: SocketsOpening = { aborts: new Set(), closing: () => !!this.closing };
  private readonly keepalives = new Keepalives((flow) => this.notify('keepalive-timeout', flow));
  private closing?: Promise<void>;

  constructor(opts: TransportLayerOptions = {}) {
    super();
    this.trace = opts.trace ?? new Trace();
    if (opts.agent !== undefined) this.agent = opts.agent;
    this.autoPong = opts.autoPong ?? true;
    this.udpBufferBytes = opts.udpBufferBytes ?? DEFAULT_UDP_BUFFER;
    this.tlsClient = opts.tls ?? {};
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.framing = { maxHeaderBytes: 64 * 1024, maxBodyBytes: 1024 * 1024, ...opts.framing };
  }

  // ------------------------------------------------------------------------------------------ listeners

  async listen(opts: ListenOptions): Promise<Listener> {
    this.assertOpen('listen');
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 0;
    const family: 4 | 6 = net.isIPv6(host) ? 6 : 4;
    if (opts.transport === 'udp') return this.listenUdp(host, port, family);
    if (opts.transport === 'tls' && !opts.tls)
      throw new TransportError(`listen tls on ${host}:${port}: tls.key and tls.cert are required`);
    return this.listenStream(opts, host, port, family);
  }

  /** Our listening sockets. (With an event name it is EventEmitter's listeners(), so the emitter keeps working.) */
  override listeners(): Listener[];
  override listeners(eventName: string | symbol): EmitterListeners;
  override listeners(eventName?: string | symbol): Listener[] | EmitterListeners {
    if (eventName !== undefined) return super.listeners(eventName);
    return [...this.udpListeners, ...this.streamListeners];
  }

  listener(transport: TransportProtocol, family?: 4 | 6): Listener | undefined {
    return this.listeners().find(
      (l) =>
        l.transport === transport && (family === undefined || (l as UdpListener | StreamListener).family === family),
    );
  }

  private listenUdp(host: string, port: number, family: 4 | 6): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
      const onError = (err: Error): void => {
        socket.close();
        reject(new TransportError(`listen udp on ${formatEndpoint({ address: host, port })} failed: ${err.message}`));
      };
      socket.once('error', onError);
      socket.bind(port, host, () => {
        socket.off('error', onError);
        // Large buffers so a burst under load is not dropped by the kernel (capped by net.core.rmem_max/wmem_max).
        const sizes: { recvBufferBytes?: number; sendBufferBytes?: number } = {};
        try {
          socket.setRecvBufferSize(this.udpBufferBytes);
          socket.setSendBufferSize(this.udpBufferBytes);
          sizes.recvBufferBytes = socket.getRecvBufferSize();
          sizes.sendBufferBytes = socket.getSendBufferSize();
        } catch {
          // The kernel refused the size: keep its default, the listener still works.
        }
        const addr = socket.address();
        const l: UdpListener = {
          transport: 'udp',
          family,
          socket,
          local: { address: addr.address, port: addr.port },
          ...sizes,
        };
        const index = this.udpListeners.push(l) - 1;
        socket.on('message', (data, rinfo) =>
          this.onDatagram(index, l, data, { address: rinfo.address, port: rinfo.port }),
        );
        socket.on('error', (err) => this.notify('socket-error', err, l));
        resolve(l);
      });
    });
  }

  private listenStream(opts: ListenOptions, host: string, port: number, family: 4 | 6): Promise<Listener> {
    const transport = opts.transport as 'tcp' | 'tls';
    const server = net.createServer({ noDelay: true });
    let secureContext: tls.SecureContext | undefined;
    if (transport === 'tls') {
      const t = opts.tls!;
      secureContext = tls.createSecureContext({ key: t.key, cert: t.cert, ...(t.ca ? { ca: t.ca } : {}) });
    }
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new TransportError(
            `listen ${transport} on ${formatEndpoint({ address: host, port })} failed: ${err.message}`,
          ),
        );
      server.once('error', onError);
      server.listen({ host, port, ipv6Only: family === 6 }, () => {
        server.off('error', onError);
        const addr = server.address() as net.AddressInfo;
        const l: StreamListener = { transport, family, server, local: { address: addr.address, port: addr.port } };
        this.streamListeners.push(l);
        server.on('error', (err) => this.notify('socket-error', err, l));
        server.on('connection', (raw: net.Socket) => this.accept(raw, transport, secureContext, opts.tls));
        resolve(l);
      });
    });
  }

  /** An inbound connection: a server-side flow once TCP is up (TLS: once the handshake succeeded). */
  private accept(
    raw: net.Socket,
    transport: 'tcp' | 'tls',
    ctx: tls.SecureContext | undefined,
    t: ListenOptions['tls'],
  ): void {
    if (this.closing) {
      raw.destroy();
      return;
    }
    raw.setNoDelay(true);
    if (transport === 'tcp') {
      this.addFlow(new StreamFlow(this, 'tcp', raw, raw, this.framing));
      return;
    }
    acceptTls(raw, ctx!, t, this.opening, {
      secure: (sock) => this.addFlow(new StreamFlow(this, 'tls', sock, raw, this.framing)),
      failed: (err, remote) => this.notify('connection-error', err, remote),
    });
  }

  // ------------------------------------------------------------------------------------------ flows

  /**
   * The flow to reach `remote` (RFC 5626 §5.3 / RFC 3261 §18.1.1: reuse an open connection). TCP/TLS: the most
   * recent open flow to that remote (inbound or outbound), else a new connection from an ephemeral port; forceNew
   * always connects anew. UDP: the 5-tuple from our first listening UDP socket of the remote's family, or from the
   * one at `opts.local` (forceNew has no meaning for a 5-tuple and is ignored: listen on a second UDP port and pass
   * `local` for a second UDP flow to the same remote).
   */
  async flowTo(remote: Endpoint, transport: TransportProtocol, opts: FlowToOptions = {}): Promise<Flow> {
    this.assertOpen('flowTo');
    const family: 4 | 6 = net.isIPv6(remote.address) ? 6 : 4;
    if (transport === 'udp') {
      const local = opts.local;
      const index = local
        ? this.udpListeners.findIndex(
            (l) => l.local.port === local.port && normalizeAddress(l.local.address) === normalizeAddress(local.address),
          )
        : this.udpListeners.findIndex((l) => l.family === family);
      if (index < 0 && local)
        throw new TransportError(
          `no UDP listener on ${formatEndpoint(local)} to send to ${formatEndpoint(remote)} from`,
        );
      if (index < 0)
        throw new TransportError(
          `no UDP listener for IPv${family}: call listen({ transport: 'udp' }) before sending to ${formatEndpoint(remote)}`,
        );
      return this.udpFlowFor(index, remote);
    }
    const key = `${transport}|${remote.address}|${remote.port}`;
    if (!opts.forceNew) {
      const open = this.streamIndex.get(streamKey(transport, remote));
      const existing = open?.[open.length - 1];
      if (existing) return existing;
      const pending = this.connecting.get(key);
      if (pending) return pending;
    }
    const p = this.connect(remote, transport);
    if (!opts.forceNew) {
      this.connecting.set(key, p);
      p.finally(() => this.connecting.get(key) === p && this.connecting.delete(key)).catch(() => undefined);
    }
    return p;
  }

  async send(remote: Endpoint, transport: TransportProtocol, data: Buffer): Promise<Flow> {
    const flow = await this.flowTo(remote, transport);
    await flow.send(data);
    return flow;
  }

  getFlow(id: string): Flow | undefined {
    return this.flowMap.get(id);
  }

  flows(): Flow[] {
    return [...this.flowMap.values()];
  }

  private connect(remote: Endpoint, transport: 'tcp' | 'tls'): Promise<Flow> {
    const settings = { tls: this.tlsClient, timeoutMs: this.connectTimeoutMs };
    return connectStream(remote, transport, settings, this.opening, (sock, raw) => {
      const flow = new StreamFlow(this, transport, sock, raw, this.framing);
      this.addFlow(flow);
      return flow;
    });
  }

  private udpFlowFor(index: number, remote: Endpoint): UdpFlow {
    const key = `${index}|${normalizeAddress(remote.address)}|${remote.port}`;
    const existing = this.udpFlows.get(key);
    if (existing && !existing.closed) return existing;
    const l = this.udpListeners[index]!;
    const flow = new UdpFlow(this, l.socket, l.local, { address: remote.address, port: remote.port });
    this.udpFlows.set(key, flow);
    this.udpKeys.set(flow.id, key);
    this.addFlow(flow);
    return flow;
  }

  private onDatagram(index: number, l: UdpListener, data: Buffer, remote: Endpoint): void {
    if (this.closing) return;
    try {
      const flow = this.udpFlowFor(index, remote);
      flow.receive(classifyDatagram(data));
    } catch (err) {
      this.notify('handler-error', err, `udp datagram on ${formatEndpoint(l.local)}`);
    }
  }

  private addFlow(flow: BaseFlow): void {
    this.flowMap.set(flow.id, flow);
    if (flow.reliable) {
      const key = streamKey(flow.transport, flow.remote);
      const list = this.streamIndex.get(key);
      if (list) list.push(flow);
      else this.streamIndex.set(key, [flow]);
    }
    this.notify('flow-open', flow);
  }

  // ------------------------------------------------------------------------------------------ keep-alive

  /** RFC 5626 §4.4.1 keep-alive pings on a flow; 'keepalive-timeout' when one goes unanswered (see Keepalives). */
  startKeepalive(flow: Flow, opts: KeepaliveOptions): void {
    this.keepalives.start(flow, opts);
  }

  stopKeepalive(flow: Flow): void {
    this.keepalives.stop(flow.id);
  }

  // ------------------------------------------------------------------------------------------ FlowHost

  deliver(flow: BaseFlow, data: Buffer): void {
    const m: InboundMessage = { data, flow };
    this.notify('message', m);
  }

  notify<E extends keyof TransportEvents>(event: E, ...args: TransportEvents[E]): void {
    if (event === 'pong') this.keepalives.pong((args[0] as Flow).id);
    try {
      this.emit(event, ...args);
    } catch (err) {
      this.handlerErrors.push(err);
      if (event !== 'handler-error') {
        try {
          this.emit('handler-error', err, event);
        } catch (again) {
          this.handlerErrors.push(again);
        }
      }
    }
  }

  flowClosed(flow: BaseFlow, reason: FlowCloseReason): void {
    this.stopKeepalive(flow);
    this.flowMap.delete(flow.id);
    if (flow.reliable) {
      const key = streamKey(flow.transport, flow.remote);
      const list = this.streamIndex.get(key)?.filter((f) => f !== flow);
      if (list?.length) this.streamIndex.set(key, list);
      else this.streamIndex.delete(key);
    }
    const key = this.udpKeys.get(flow.id);
    if (key !== undefined) {
      this.udpKeys.delete(flow.id);
      if (this.udpFlows.get(key) === flow) this.udpFlows.delete(key);
    }
    this.notify('flow-close', flow, reason);
  }

  // ------------------------------------------------------------------------------------------ shutdown

  /** Closes every listener, connection and timer; idempotent. Connections get a FIN, then are destroyed after a
   *  bounded wait. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.keepalives.stopAll();
      for (const abort of [...this.opening.aborts]) abort();
      await Promise.all(
        [...this.flowMap.values()].map((f) =>
          f instanceof StreamFlow ? f.shutdown(SHUTDOWN_WAIT_MS) : (f as UdpFlow).shutdown(),
        ),
      );
      await Promise.all([
        ...this.streamListeners.map((l) => new Promise<void>((r) => l.server.close(() => r()))),
        ...this.udpListeners.map((l) => new Promise<void>((r) => l.socket.close(() => r()))),
      ]);
      // 'close' events fire before libuv has released the handles (its close-callback phase): let it, so that when
      // close() resolves nothing of ours is left open.
      await new Promise<void>((r) => setImmediate(r));
      await new Promise<void>((r) => setImmediate(r));
    })();
    return this.closing;
  }

  private assertOpen(what: string): void {
    if (this.closing)
      throw new TransportError(`${what}: transport layer${this.agent ? ` of ${this.agent}` : ''} is closed`);
  }
}
