/**
 * Minimal raw SIP peers for the SUT adapter tests: one UDP socket or one TCP connection, send a message, wait
 * (bounded) for the next message that matches. Deliberately independent of the agent layer: these tests verify
 * the Kamailio/baresip set-up itself, message by message.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import {
  NameAddr,
  Params,
  SipMessage,
  SipRequest,
  SipResponse,
  StreamFramer,
  Via,
  createRequest,
  createResponse,
  newBranch,
  newTag,
  parseMessage,
  parseUri,
} from '../../src/sip';
import { Endpoint } from '../../src/transport/types';

export interface Received {
  msg: SipMessage;
  from: Endpoint;
  at: number;
}

type Pred = (m: SipMessage) => boolean;

abstract class Peer {
  readonly inbox: Received[] = [];
  private waiters: Array<{ pred: Pred; resolve: (r: Received) => void }> = [];
  /** Requests are answered automatically by this hook when it returns a response. */
  autoAnswer?: (req: SipRequest) => SipResponse | undefined;

  protected deliver(data: Buffer, from: Endpoint): void {
    let msg: SipMessage;
    try {
      msg = parseMessage(data, { mode: 'lenient' });
    } catch {
      return;
    }
    const r: Received = { msg, from, at: performance.now() };
    if (msg.isRequest && this.autoAnswer) {
      const res = this.autoAnswer(msg);
      if (res) this.reply(res, r);
    }
    const w = this.waiters.findIndex((x) => x.pred(msg));
    if (w >= 0) {
      const [waiter] = this.waiters.splice(w, 1);
      waiter!.resolve(r);
    } else this.inbox.push(r);
  }

  /** The next message matching `pred` (already received or arriving within `timeoutMs`). */
  next(pred: Pred, timeoutMs = 3000, what = 'message'): Promise<Received> {
    const i = this.inbox.findIndex((r) => pred(r.msg));
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (r: Received) => {
          clearTimeout(t);
          resolve(r);
        },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== waiter);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  request(method: string, timeoutMs?: number): Promise<Received> {
    return this.next((m) => m.isRequest && m.method === method, timeoutMs, method);
  }

  response(callId: string, method: string, final = true, timeoutMs?: number): Promise<Received> {
    return this.next(
      (m) => !m.isRequest && m.callId === callId && m.cseq.method === method && (!final || m.status >= 200),
      timeoutMs,
      `${final ? 'final ' : ''}response to ${method}`,
    );
  }

  abstract get label(): string;
  abstract get local(): Endpoint;
  abstract get transport(): 'UDP' | 'TCP';
  abstract reply(res: SipResponse, to: Received): void;
  abstract close(): void;

  /** A Via for a request sent from this peer. */
  via(): Via {
    return new Via(this.transport, this.local.address, this.local.port, Params.parse(`branch=${newBranch()};rport`));
  }

  contact(user: string, params = ''): NameAddr {
    const t = this.transport === 'TCP' ? ';transport=tcp' : '';
    return new NameAddr(
      parseUri(`sip:${user}@${this.local.address}:${this.local.port}${t}`),
      undefined,
      params ? Params.parse(params) : new Params(),
    );
  }
}

export class UdpPeer extends Peer {
  private constructor(
    private readonly sock: dgram.Socket,
    readonly name: string,
  ) {
    super();
    sock.on('message', (data, rinfo) => this.deliver(data, { address: rinfo.address, port: rinfo.port }));
  }

  static async open(name: string, host = '127.0.0.1'): Promise<UdpPeer> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, host, () => resolve());
    });
    return new UdpPeer(sock, name);
  }

  get label(): string {
    return `${this.name} (udp ${this.local.port})`;
  }
  get local(): Endpoint {
    const a = this.sock.address();
    return { address: a.address, port: a.port };
  }
  get transport(): 'UDP' {
    return 'UDP';
  }

  send(msg: SipMessage, to: Endpoint): void {
    this.sock.send(msg.toBuffer(), to.port, to.address);
  }

  reply(res: SipResponse, to: Received): void {
    // RFC 3261 §18.2.2 with RFC 3581: back to the source of the request.
    this.send(res, to.from);
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      /* closed */
    }
  }
}

export class TcpFlow extends Peer {
  private readonly framer = new StreamFramer();
  closed = false;
  pongs = 0;
  private awaitingPong = false;

  private constructor(
    private readonly sock: net.Socket,
    readonly name: string,
  ) {
    super();
    const remote = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
    sock.on('data', (chunk) => {
      // After our ping, a lone CRLF is the pong (RFC 5626 §3.5.1); count it here rather than rely on the framer's
      // policy for a CRLF that might be the first half of a ping.
      if (this.awaitingPong && this.framer.pending === 0 && chunk.length === 2 && chunk[0] === 13 && chunk[1] === 10) {
        this.awaitingPong = false;
        this.pongs++;
        return;
      }
      for (const f of this.framer.push(chunk)) {
        if (f.kind === 'message') this.deliver(f.data, remote);
        else if (f.kind === 'pong') this.pongs++;
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => (this.closed = true));
  }

  static async connect(name: string, to: Endpoint): Promise<TcpFlow> {
    const sock = net.connect({ host: to.address, port: to.port, localAddress: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.once('connect', () => resolve());
    });
    return new TcpFlow(sock, name);
  }

  get label(): string {
    return `${this.name} (tcp ${this.local.port})`;
  }
  get local(): Endpoint {
    return { address: this.sock.localAddress ?? '127.0.0.1', port: this.sock.localPort ?? 0 };
  }
  get transport(): 'TCP' {
    return 'TCP';
  }

  send(msg: SipMessage | Buffer): void {
    this.sock.write(Buffer.isBuffer(msg) ? msg : msg.toBuffer());
  }

  /** A CRLFCRLF keep-alive ping (RFC 5626 §3.5.1); the pong is counted in `pongs`. */
  ping(): void {
    this.awaitingPong = true;
    this.sock.write('\r\n\r\n');
  }

  reply(res: SipResponse): void {
    this.send(res);
  }

  /** The flow dies abruptly (RST), as when a NAT binding or a host goes away. */
  close(): void {
    this.sock.resetAndDestroy();
  }
}

/** An outbound REGISTER (RFC 5626 §4.2): instance id, reg-id, Supported: outbound, path. */
export function outboundRegister(
  peer: Peer,
  opts: {
    user: string;
    domain: string;
    to: Endpoint;
    instance: string;
    regId: number;
    callId: string;
    cseq: number;
    expires?: number;
  },
): SipRequest {
  const aor = `sip:${opts.user}@${opts.domain}`;
  return createRequest({
    method: 'REGISTER',
    uri: `sip:${opts.domain}`,
    via: peer.via(),
    from: new NameAddr(parseUri(aor), undefined, Params.parse(`tag=${newTag()}`)),
    to: new NameAddr(parseUri(aor)),
    callId: opts.callId,
    cseq: opts.cseq,
    contact: peer.contact(opts.user, `+sip.instance="<${opts.instance}>";reg-id=${opts.regId}`),
    headers: [
      ['Supported', 'outbound, path'],
      ['Expires', opts.expires ?? 600],
    ],
  });
}

export function plainRegister(
  peer: Peer,
  opts: {
    user: string;
    domain: string;
    callId: string;
    cseq?: number;
    expires?: number;
    headers?: Array<[string, string]>;
  },
): SipRequest {
  const aor = `sip:${opts.user}@${opts.domain}`;
  return createRequest({
    method: 'REGISTER',
    uri: `sip:${opts.domain}`,
    via: peer.via(),
    from: new NameAddr(parseUri(aor), undefined, Params.parse(`tag=${newTag()}`)),
    to: new NameAddr(parseUri(aor)),
    callId: opts.callId,
    cseq: opts.cseq ?? 1,
    contact: peer.contact(opts.user),
    headers: [['Expires', opts.expires ?? 600], ...(opts.headers ?? [])],
  });
}

export function invite(
  peer: Peer,
  opts: { from: string; to: string; domain: string; callId: string; maxForwards?: number; uri?: string },
): SipRequest {
  return createRequest({
    method: 'INVITE',
    uri: opts.uri ?? `sip:${opts.to}@${opts.domain}`,
    via: peer.via(),
    from: new NameAddr(parseUri(`sip:${opts.from}@${opts.domain}`), undefined, Params.parse(`tag=${newTag()}`)),
    to: new NameAddr(parseUri(`sip:${opts.to}@${opts.domain}`)),
    callId: opts.callId,
    cseq: 1,
    maxForwards: opts.maxForwards,
    contact: peer.contact(opts.from),
    body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n',
    contentType: 'application/sdp',
  });
}

/** A UAS answer (§8.2.6) with a Contact and the Record-Route copied (§12.1.1). */
export function answer(req: SipRequest, status: number, contact: NameAddr, toTag = newTag()): SipResponse {
  const res = createResponse(req, status, { toTag });
  for (const rr of req.headerLines('record-route')) res.append('Record-Route', rr.value);
  if (status >= 200 && status < 300) res.append('Contact', contact.toString());
  return res;
}

/** The ACK for a 2xx (§13.2.2.4): a new transaction to the remote target, via the route set (§12.1.2). */
export function ackFor2xx(peer: Peer, inv: SipRequest, ok: SipResponse): SipRequest {
  const routes = [...ok.recordRoutes].reverse();
  const target = ok.contacts[0]!.uri.toString();
  const ack = createRequest({
    method: 'ACK',
    uri: target,
    via: peer.via(),
    from: inv.from,
    to: ok.to,
    callId: inv.callId,
    cseq: inv.cseq.seq,
    routes,
  });
  return ack;
}
