/**
 * The load engine over TCP (RFC 3261 §18.3), behind the same LoadSocket interface as UDP:
 *  - UAC: one connection to the target that carries every call, as SIPp's `-t t1`; `local` is the connection's own
 *    address, which the engine writes into Via and Contact.
 *  - UAS: a listener; every accepted connection is a flow, known by its remote address and port, and a response
 *    goes back on the connection its request came on (§18.2.2: "the response MUST be sent using that connection").
 * Messages are framed by Content-Length (src/sip/framing.ts); a CRLF CRLF keep-alive ping is answered with a CRLF
 * pong (RFC 5626 §3.5.1). What the engine writes during one tick leaves in one write per connection (cork until
 * the next tick), as the UDP batch path sends one sendmmsg. A framing error (no Content-Length, an oversized
 * head) cannot be resynchronised on a stream: the bytes are counted unparseable and the connection is closed.
 */
import net from 'node:net';
import { StreamFramer } from '../sip/framing';
import type { Endpoint } from '../transport/types';
import type { LoadSocket } from './load-socket';

const PONG = Buffer.from('\r\n', 'latin1');

/** One TCP connection with its framer and its per-tick write batching. */
class StreamFlow {
  private readonly framer = new StreamFramer();
  private corked = false;
  readonly remote: Endpoint;

  constructor(
    readonly socket: net.Socket,
    private readonly owner: StreamLoadSocket,
  ) {
    socket.setNoDelay(true);
    this.remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.owner.errors++);
    socket.on('close', (hadError) => this.owner.flowClosed(this, hadError));
  }

  private onData(chunk: Buffer): void {
    const at = performance.now();
    for (const f of this.framer.push(chunk)) {
      if (f.kind === 'message') this.owner.deliver(f.data, this.remote, at);
      else if (f.kind === 'ping') this.write(PONG);
      else if (f.kind === 'error') {
        this.owner.onFramingError();
        this.socket.destroy();
        return;
      }
    }
  }

  write(msg: string | Buffer): void {
    if (this.socket.destroyed) {
      this.owner.errors++;
      return;
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (typeof msg === 'string') this.socket.write(msg, 'latin1');
    else this.socket.write(msg);
  }
}

export class StreamLoadSocket implements LoadSocket {
  readonly io = 'tcp';
  errors = 0;
  /** Called for bytes that could not be framed (the connection is then closed); the run counts them unparseable. */
  onFramingError: () => void = () => undefined;
  /** UAC: called once when the connection to the target is gone (closed or reset by the peer, or by a framing error)
   *  before we closed it: no call can go on (RFC 3261 §17.1.4, a transport failure). */
  onConnectionLost: (why: string) => void = () => undefined;
  private handler: (data: Buffer, port: number, address: string, at: number) => void = () => undefined;
  private readonly flows = new Map<string, StreamFlow>();
  private client?: StreamFlow;
  private closing?: Promise<void>;

  private constructor(
    readonly local: Endpoint,
    private readonly server?: net.Server,
  ) {}

  /** UAC: one connection to `target`, from `localAddress`. */
  static async connect(localAddress: string, target: Endpoint, timeoutMs = 5000): Promise<StreamLoadSocket> {
    const socket = net.connect({ host: target.address, port: target.port, localAddress });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TCP connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      });
    });
    const s = new StreamLoadSocket({ address: socket.localAddress!, port: socket.localPort! });
    s.client = new StreamFlow(socket, s);
    return s;
  }

  /** UAS: a listener on `address:port` (port 0: ephemeral). */
  static async listen(address: string, port: number): Promise<StreamLoadSocket> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => resolve());
    });
    const a = server.address() as net.AddressInfo;
    const s = new StreamLoadSocket({ address: a.address, port: a.port }, server);
    server.on('connection', (socket) => {
      const flow = new StreamFlow(socket, s);
      s.flows.set(key(flow.remote.address, flow.remote.port), flow);
    });
    return s;
  }

  /** The UAC's connection is made in `connect`; there is nothing left to do here. */
  async connect(): Promise<void> {}

  onMessage(handler: (data: Buffer, port: number, address: string, at: number) => void): void {
    this.handler = handler;
  }

  deliver(data: Buffer, from: Endpoint, at: number): void {
    this.handler(data, from.port, from.address, at);
  }

  flowClosed(flow: StreamFlow, hadError: boolean): void {
    this.flows.delete(key(flow.remote.address, flow.remote.port));
    if (flow === this.client && !this.closing)
      this.onConnectionLost(hadError ? 'the connection to the target was reset' : 'the target closed the connection');
  }

  send(msg: string | Buffer, port?: number, address?: string): void {
    const flow = port === undefined || address === undefined ? this.client : this.flows.get(key(address, port));
    if (!flow) {
      this.errors++; // the connection the request came on is gone: nowhere to send its response (§18.2.2)
      return;
    }
    flow.write(msg);
  }

  /**
   * Closes every connection: a FIN after what was written, and a reset for a peer that does not close its side
   * within 1 s. `lingerMs` first leaves each connection open that long for the peer to close it: a UAS may keep
   * a call's state after the BYE's 200 to absorb retransmissions (SIPp's uas pauses 4 s) and count the call as
   * failed when its connection goes first.
   */
  close(lingerMs = 0): Promise<void> {
    this.closing ??= (async () => {
      const sockets = [...(this.client ? [this.client.socket] : []), ...[...this.flows.values()].map((f) => f.socket)];
      await Promise.all(
        sockets.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.destroyed) return resolve();
              const reset = setTimeout(() => s.destroy(), lingerMs + 1000);
              s.once('close', () => {
                clearTimeout(reset);
                clearTimeout(linger);
                resolve();
              });
              const linger = setTimeout(() => s.end(), lingerMs);
              s.once('end', () => {
                clearTimeout(linger);
                s.end();
              });
            }),
        ),
      );
      if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    })();
    return this.closing;
  }
}

function key(address: string, port: number): string {
  return `${address}|${port}`;
}
