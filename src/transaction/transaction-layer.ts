/**
 * The transaction layer (RFC 3261 §17) over a TransportLayer: parses what arrives, matches responses to client
 * transactions (§17.1.3) and requests to server transactions (§17.2.3), and hands everything else to its user.
 *
 * Events:
 *  - 'request' (tx: ServerTransaction): a new request other than ACK (CANCEL carries `tx.cancels`);
 *  - 'ack' (rx: Received<SipRequest>): an ACK matching no server transaction — the ACK for a 2xx (§13.2.2.4),
 *    which is end to end and has its own branch; it also stops the matching 2xx retransmission;
 *  - 'response' (rx: Received<SipResponse>): a response matching no client transaction (e.g. a 2xx retransmission
 *    after Timer M, or a response to a request sent statelessly);
 *  - 'garbage' ({ data, flow, errors }): bytes that are not a usable SIP message.
 */
import { EventEmitter } from 'node:events';
import { Diagnostic } from '../sip/errors';
import { MAGIC_COOKIE, newBranch } from '../sip/builders';
import { Via } from '../sip/fields';
import { SipMessage, SipRequest, SipResponse } from '../sip/message';
import { parse } from '../sip/parser';
import type { TransportLayer } from '../transport/transport-layer';
import { Endpoint, Flow, InboundMessage, TransportError } from '../transport/types';
import { ClientTransaction, ClientTransactionHooks } from './client-transaction';
import { ServerTransaction } from './server-transaction';
import { Received, Target } from './transaction';
import { TimerConfig, resolveTimers } from './timers';
import { TwoXxRetransmission } from './two-xx-retransmission';

export interface TransactionLayerOptions {
  timers?: Partial<TimerConfig>;
  /** Add `;rport` to the Vias we create (RFC 3581). Default true. */
  rport?: boolean;
  /** Extension points at the RFC decisions of every client transaction of this layer. */
  clientHooks?: Partial<ClientTransactionHooks>;
}

export interface Garbage {
  data: Buffer;
  flow: Flow;
  errors: Diagnostic[];
}

export class TransactionLayer extends EventEmitter {
  readonly timers: TimerConfig;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly twoXx = new Map<string, TwoXxRetransmission>();
  private readonly onMessage = (m: InboundMessage) => this.receive(m);
  private closed = false;

  constructor(
    readonly transport: TransportLayer,
    private readonly opts: TransactionLayerOptions = {},
  ) {
    super();
    this.timers = resolveTimers(opts.timers);
    transport.on('message', this.onMessage);
  }

  // ---- sending ---------------------------------------------------------------------------------------------------

  /** The flow a target names: the given flow, or one to the address (reusing an open connection, RFC 5626). */
  async resolve(target: Target): Promise<Flow> {
    if ('flow' in target) {
      if (target.flow.closed) throw new TransportError(`flow ${target.flow.id} is closed`, target.flow.id);
      return target.flow;
    }
    return this.transport.flowTo(target.remote, target.transport);
  }

  /** Our sent-by for a flow: the listening address of that transport (so the peer can reach us), else the flow's. */
  sentBy(flow: Flow): Endpoint {
    const listener = this.transport.listener(flow.transport, flow.local.address.includes(':') ? 6 : 4);
    return listener?.local ?? flow.local;
  }

  /** A fresh Via for a request sent on `flow`, with a new branch (§8.1.1.7). */
  createVia(flow: Flow, branch = newBranch()): Via {
    const sb = this.sentBy(flow);
    const via = new Via(
      flow.transport.toUpperCase(),
      sb.address.includes(':') ? `[${sb.address}]` : sb.address,
      sb.port,
    );
    via.params.set('branch', branch);
    if (this.opts.rport ?? true) via.params.set('rport', null);
    return via;
  }

  /**
   * Starts a client transaction for `req`. A request without a Via gets one for the flow it goes out on. Rejects
   * with TransportError when no flow can be had (connection refused...). Listeners attached right after the
   * await see every event: nothing is emitted before the next I/O turn.
   */
  async sendRequest(req: SipRequest, target: Target): Promise<ClientTransaction> {
    if (req.method === 'ACK')
      throw new Error('an ACK is not sent in a transaction: use sendStateless (§17.1.1.3, §13.2.2.4)');
    const flow = await this.resolve(target);
    if (!req.has('via')) req.prepend('Via', this.createVia(flow).toString());
    const tx = new ClientTransaction(
      req,
      flow,
      this.timers,
      {
        sendOn: (f, data) => f.send(data),
        forget: (t) => {
          if (this.clients.get(clientKey(t.branch, t.method)) === t) this.clients.delete(clientKey(t.branch, t.method));
        },
      },
      this.opts.clientHooks,
    );
    this.clients.set(clientKey(tx.branch, tx.method), tx);
    void tx.start();
    return tx;
  }

  /** Sends a message outside any transaction: the ACK for a 2xx, a proxy's stateless forward, a raw test message. */
  async sendStateless(msg: SipMessage | Buffer, target: Target): Promise<Flow> {
    const flow = await this.resolve(target);
    if (!Buffer.isBuffer(msg) && msg.isRequest && !msg.has('via')) msg.prepend('Via', this.createVia(flow).toString());
    await flow.send(Buffer.isBuffer(msg) ? msg : msg.toBuffer());
    return flow;
  }

  /**
   * The UAS core's 2xx retransmission (§13.3.1.4): send `res` within `tx`, then re-send it at T1, 2·T1 ... capped
   * at T2 until the ACK arrives; give up after 64·T1 (the handle's `acked` resolves false, and the UAS core should
   * then end the dialog with BYE).
   */
  async respond2xx(tx: ServerTransaction, res: SipResponse): Promise<TwoXxRetransmission> {
    const key = twoXxKey(res.callId, res.cseq.seq);
    const r = new TwoXxRetransmission(res, this.timers, (data) => this.sendResponseData(tx, data));
    this.twoXx.get(key)?.stop();
    this.twoXx.set(key, r);
    r.once('done', () => {
      if (this.twoXx.get(key) === r) this.twoXx.delete(key);
    });
    await tx.respond(res);
    r.start();
    return r;
  }

  // ---- receiving -------------------------------------------------------------------------------------------------

  private receive({ data, flow }: InboundMessage): void {
    if (this.closed) return;
    const at = performance.now();
    const result = parse(data, { mode: 'strict', transport: flow.reliable ? 'stream' : 'datagram' });
    const msg = result.message;
    const fatal = !msg || !usable(msg);
    if (fatal) {
      const errors = result.errors.length
        ? result.errors
        : [{ message: 'message lacks a usable Via, CSeq, Call-ID, From or To', kind: 'syntax' as const }];
      this.emit('garbage', { data, flow, errors } satisfies Garbage);
      return;
    }
    if (msg.isRequest) this.receiveRequest({ message: msg, flow, at, violations: result.errors });
    else this.receiveResponse({ message: msg, flow, at, violations: result.errors });
  }

  private receiveRequest(rx: Received<SipRequest>): void {
    const req = rx.message;
    stampReceived(req, rx.flow);
    if (req.method === 'ACK') {
      const inv = this.servers.get(serverKey(req, 'INVITE'));
      // An ACK with the INVITE's branch acknowledges a non-2xx final response (§17.2.3) and is absorbed by the
      // transaction in Completed and Confirmed (retransmitted ACKs, §17.2.1); in Accepted (RFC 6026) or with no
      // matching transaction it is the ACK for a 2xx, end to end, for the TU.
      if (inv && inv.state !== 'accepted' && inv.state !== 'terminated') {
        inv.receiveAck(rx);
        return;
      }
      this.twoXx.get(twoXxKey(req.callId, req.cseq.seq))?.ack(rx.at);
      this.emit('ack', rx);
      return;
    }
    const key = serverKey(req, req.method);
    const existing = this.servers.get(key);
    if (existing) {
      existing.receiveRetransmission(rx);
      return;
    }
    const tx = new ServerTransaction(req, rx.flow, rx.violations, rx.at, this.timers, {
      sendResponse: (t, d) => this.sendResponseData(t, d),
      forget: (t) => {
        if (this.servers.get(key) === t) this.servers.delete(key);
      },
    });
    if (req.method === 'CANCEL') tx.cancels = this.servers.get(serverKey(req, 'INVITE'));
    this.servers.set(key, tx);
    this.emit('request', tx);
  }

  private receiveResponse(rx: Received<SipResponse>): void {
    const res = rx.message;
    const branch = res.topVia.branch ?? '';
    const tx = this.clients.get(clientKey(branch, res.cseq.method));
    if (tx) tx.receive(rx);
    else this.emit('response', rx);
  }

  /**
   * §18.2.2: responses go back on the request's connection for reliable transports (a new one to the sent-by if
   * it closed); over UDP to the source port when `rport` was asked (RFC 3581), else to received/sent-by.
   */
  private async sendResponseData(tx: ServerTransaction, data: Buffer): Promise<void> {
    const flow = tx.flow;
    const via = tx.request.topVia;
    if (flow.reliable) {
      if (!flow.closed) return flow.send(data);
      const host = via.received ?? via.host.replace(/^\[|\]$/g, '');
      const f = await this.transport.flowTo(
        { address: host, port: via.port ?? (flow.transport === 'tls' ? 5061 : 5060) },
        flow.transport,
      );
      return f.send(data);
    }
    if (via.rport !== undefined && !flow.closed) return flow.send(data);
    const address = via.received ?? via.host.replace(/^\[|\]$/g, '');
    const port = via.port ?? 5060;
    if (address === flow.remote.address && port === flow.remote.port && !flow.closed) return flow.send(data);
    const f = await this.transport.flowTo({ address, port }, 'udp');
    return f.send(data);
  }

  /** Terminates every transaction and 2xx retransmission; the transport stays the caller's to close. */
  close(): void {
    this.closed = true;
    this.transport.off('message', this.onMessage);
    for (const t of [...this.clients.values()]) t.terminate();
    for (const t of [...this.servers.values()]) t.terminate();
    for (const r of [...this.twoXx.values()]) r.stop();
    this.clients.clear();
    this.servers.clear();
    this.twoXx.clear();
  }
}

function usable(m: SipMessage): boolean {
  try {
    return m.vias.length > 0 && m.cseq.seq >= 0 && m.callId !== '' && !!m.from && !!m.to;
  } catch {
    return false;
  }
}

function clientKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}

/** §17.2.3: branch + sent-by + method (ACK matches INVITE); RFC 2543 requests (no magic cookie) by dialog fields. */
function serverKey(req: SipRequest, method: string): string {
  const via = req.topVia;
  const branch = via.branch ?? '';
  if (branch.startsWith(MAGIC_COOKIE)) return `${branch}|${via.sentBy.toLowerCase()}|${method}`;
  return `2543|${req.callId}|${req.cseq.seq}|${req.from.tag ?? ''}|${via.toString()}|${method}`;
}

function twoXxKey(callId: string, seq: number): string {
  return `${callId}|${seq}`;
}

/**
 * §18.2.1: when the sent-by host differs from the packet's source address, add `received`; RFC 3581: fill in a
 * valueless `rport` with the source port.
 */
function stampReceived(req: SipRequest, flow: Flow): void {
  const via = req.topVia;
  const host = via.host.replace(/^\[|\]$/g, '').toLowerCase();
  let changed = false;
  if (host !== flow.remote.address.toLowerCase()) {
    via.params.set('received', flow.remote.address);
    changed = true;
  }
  if (via.rport === null) {
    via.params.set('rport', String(flow.remote.port));
    changed = true;
  }
  if (changed) {
    // Replace the top Via value in place: the first value of the first Via line.
    req.removeFirst('via');
    req.prepend('Via', via.toString());
  }
}
