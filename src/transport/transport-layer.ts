/**
 * The transport layer of one agent (RFC 3261 §18): UDP on node:dgram, TCP on node:net, TLS on node:tls, every
 * connection or 5-tuple a flow (RFC 5626 §3.3), CRLF and STUN keep-alives (RFC 5626 §3.5.1, §4.4), and fault
 * injection per flow. Every byte sent or received and every fault lands in the Trace under this agent's name.
 *
 * Events:
 *   'message'           (m: InboundMessage)      one whole SIP message (a stream frame, or one UDP datagram that is
 *                                                 neither STUN nor a bare CRLF keep-alive)
 *   'flow-open'         (flow)
 *   'flow-close'        (flow, reason: 'fin' | 'reset' | 'error' | 'local')
 *   'ping'              (flow)                   a CRLFCRLF ping or a STUN Binding request arrived
 *   'pong'              (flow, rttMs, mapped?)   a CRLF pong or STUN Binding success; rttMs is NaN if unsolicited;
 *                                                 mapped is the XOR-MAPPED-ADDRESS (UDP)
 *   'keepalive-timeout' (flow)                   no pong within timeoutMs of a keep-alive ping (RFC 5626 §4.4.1)
 *   'garbage'           (flow, data, reason)     a framing error; the flow is then closed with reason 'error'
 *   'connection-error'  (err, remote)            an inbound connection that never became a flow (TLS handshake)
 *   'handler-error'     (err, event)             a listener of ours threw; also kept in `handlerErrors`
 * Socket handlers never throw; 'error' is never emitted.
 */
import { EventEmitter } from 'node:events';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { FramerOptions } from '../sip/framing';
import type { BaseFlow, FlowHost, Inbound } from './flow-base';
import { isStun } from './stun';
import { StreamFlow } from './stream-flow';
import { Trace } from './trace';
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

export interface TlsClientOptions {
  /** Trusted CA(s) for the server certificate. */
  ca?: string | Buffer;
  /** Verify the server certificate (default TRUE; pass false explicitly to accept any). */
  rejectUnauthorized?: boolean;
  /** Client certificate and key (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** SNI / name to check; default: the remote address (checked against the certificate's IP SANs). */
  servername?: string;
}

export interface TransportLayerOptions {
  trace?: Trace;
  /** Recorded on every trace entry. */
  agent?: string;
  /** Answer CRLFCRLF pings with CRLF and STUN Binding requests with a success response (default true). */
  autoPong?: boolean;
  /** SO_RCVBUF / SO_SNDBUF for UDP sockets (default 4 MiB; the kernel caps it at net.core.rmem_max/wmem_max). */
  udpBufferBytes?: number;
  tls?: TlsClientOptions;
  /** Bound on TCP connect + TLS handshake (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Stream framing limits: headers without an end within maxHeaderBytes (default 64 KiB), Content-Length above
   *  maxBodyBytes (default 1 MiB) are framing errors ('garbage', then the flow closes). */
  framing?: FramerOptions;
}

export interface FlowToOptions {
  /** TCP/TLS: always open a new connection (a second flow to the same remote, RFC 5626 §4.2). Ignored for UDP. */
  forceNew?: boolean;
  /** UDP: send from the listening socket bound to this address:port (e.g. a second flow from a second UDP port). */
  local?: Endpoint;
}

export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
}

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

interface KeepaliveState {
  interval: NodeJS.Timeout;
  timeout?: NodeJS.Timeout;
}

const DEFAULT_UDP_BUFFER = 4 * 1024 * 1024;
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
const SHUTDOWN_WAIT_MS = 500;

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
  /** Sockets not yet flows (connecting, TLS handshaking): each entry aborts one, clearing its timer (close()). */
  private readonly pendingAborts = new Set<() => void>();
  private readonly keepalives = new Map<string, KeepaliveState>();
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
    const remote = { address: raw.remoteAddress ?? '', port: raw.remotePort ?? 0 };
    const requestCert = t?.ca !== undefined;
    const sock = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: ctx!,
      requestCert,
      rejectUnauthorized: t?.rejectUnauthorized ?? requestCert,
    });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      this.pendingAborts.delete(abort);
      sock.destroy();
      raw.destroy();
      this.notify('connection-error', err, remote);
    };
    const abort = (): void => {
      clearTimeout(timer);
      this.pendingAborts.delete(abort);
      sock.destroy();
      raw.destroy();
    };
    this.pendingAborts.add(abort);
    const timer = setTimeout(
      () => fail(new TransportError(`TLS handshake from ${formatEndpoint(remote)} timed out`)),
      TLS_HANDSHAKE_TIMEOUT_MS,
    );
    sock.once('error', fail);
    raw.once('error', fail);
    raw.once('close', abort); // the client went away mid-handshake without an error
    sock.once('secure', () => {
      clearTimeout(timer);
      sock.off('error', fail);
      raw.off('error', fail);
      raw.off('close', abort);
      this.pendingAborts.delete(abort);
      if (this.closing || raw.destroyed) {
        raw.destroy();
        return;
      }
      this.addFlow(new StreamFlow(this, 'tls', sock, raw, this.framing));
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
    const target = formatEndpoint(remote);
    return new Promise<Flow>((resolve, reject) => {
      const raw = net.connect({ host: remote.address, port: remote.port, noDelay: true });
      let sock: net.Socket | tls.TLSSocket = raw;
      if (transport === 'tls') {
        const c = this.tlsClient;
        sock = tls.connect({
          socket: raw,
          host: remote.address,
          rejectUnauthorized: c.rejectUnauthorized ?? true,
          ...(c.ca ? { ca: c.ca } : {}),
          ...(c.cert ? { cert: c.cert } : {}),
          ...(c.key ? { key: c.key } : {}),
          ...(c.servername ? { servername: c.servername } : {}),
        });
      }
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.pendingAborts.delete(abort);
        sock.off('error', finish);
        raw.off('error', finish);
        if (err || this.closing) {
          sock.destroy();
          raw.destroy();
          const why = err ? err.message : 'transport layer closed';
          reject(
            err instanceof TransportError
              ? err
              : new TransportError(`${transport} connect to ${target} failed: ${why}`),
          );
          return;
        }
        const flow = new StreamFlow(this, transport, sock, raw, this.framing);
        this.addFlow(flow);
        resolve(flow);
      };
      const abort = (): void =>
        finish(new TransportError(`${transport} connect to ${target} aborted: transport layer closed`));
      this.pendingAborts.add(abort);
      const timer = setTimeout(
        () =>
          finish(new TransportError(`${transport} connect to ${target} timed out after ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
      sock.once('error', finish);
      if (sock !== raw) raw.once('error', finish);
      sock.once(transport === 'tls' ? 'secureConnect' : 'connect', () => finish());
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

  /**
   * RFC 5626 §4.4.1: every intervalMs send a ping (CRLFCRLF on streams, STUN Binding on UDP); when no pong arrives
   * within timeoutMs of the first unanswered ping, emit 'keepalive-timeout' and stop. The caller decides what a
   * failed flow means (RFC 5626 §4.4.1: treat it as failed, re-register).
   */
  startKeepalive(flow: Flow, opts: KeepaliveOptions): void {
    if (!(opts.intervalMs > 0) || !(opts.timeoutMs > 0))
      throw new RangeError(`startKeepalive: intervalMs and timeoutMs must be > 0`);
    this.stopKeepalive(flow);
    if (flow.closed) throw new TransportError(`startKeepalive on ${flow.id}: flow is closed`, flow.id);
    const state: KeepaliveState = {
      interval: setInterval(() => {
        if (flow.closed) {
          this.stopKeepalive(flow);
          return;
        }
        flow.ping().catch(() => undefined);
        state.timeout ??= setTimeout(() => {
          this.stopKeepalive(flow);
          (flow as BaseFlow).remoteFault(`keepalive timeout: no pong within ${opts.timeoutMs} ms (RFC 5626 §4.4.1)`);
          this.notify('keepalive-timeout', flow);
        }, opts.timeoutMs);
      }, opts.intervalMs),
    };
    this.keepalives.set(flow.id, state);
  }

  stopKeepalive(flow: Flow): void {
    const state = this.keepalives.get(flow.id);
    if (!state) return;
    clearInterval(state.interval);
    if (state.timeout) clearTimeout(state.timeout);
    this.keepalives.delete(flow.id);
  }

  // ------------------------------------------------------------------------------------------ FlowHost

  deliver(flow: BaseFlow, data: Buffer): void {
    const m: InboundMessage = { data, flow };
    this.notify('message', m);
  }

  notify(event: string, ...args: unknown[]): void {
    if (event === 'pong') {
      const state = this.keepalives.get((args[0] as Flow).id);
      if (state?.timeout) {
        clearTimeout(state.timeout);
        delete state.timeout;
      }
    }
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
      for (const id of [...this.keepalives.keys()]) {
        const f = this.flowMap.get(id);
        if (f) this.stopKeepalive(f);
      }
      for (const abort of [...this.pendingAborts]) abort();
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

/** RFC 5626 §8: STUN and SIP share the UDP port; a datagram of only CR/LF is a keep-alive (RFC 3261 §7.5). */
function classifyDatagram(data: Buffer): Inbound {
  if (isStun(data)) return { kind: 'stun', data };
  if (data.length > 0 && data.every((b) => b === 13 || b === 10))
    return data.length >= 4 ? { kind: 'ping', data } : { kind: 'pong', data };
  return { kind: 'sip', data };
}

function streamKey(transport: TransportProtocol, remote: Endpoint): string {
  return `${transport}|${normalizeAddress(remote.address)}|${remote.port}`;
}

/** One spelling per address, so "0:0:0:0:0:0:0:1" and "::1" find the same flow. */
function normalizeAddress(a: string): string {
  if (!net.isIPv6(a)) return a;
  const sl = new net.SocketAddress({ address: a, family: 'ipv6' });
  return sl.address;
}
