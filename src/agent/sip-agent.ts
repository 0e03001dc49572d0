/**
 * A mock SIP agent: one TransportLayer and TransactionLayer, the inboxes checks expect from, and helpers that read
 * like a ladder diagram:
 *
 *   const call = await alice.invite(bob.aor, { target: sut });
 *   const inv = await bob.expect('INVITE');
 *   await inv.respond(180); const answered = await inv.accept();
 *   const ok = await call.expectResponse(200);
 *   await call.ack();
 *   await bob.expect('ACK', { within: '64*T1' });
 */
import { newCallId, newTag } from '../sip/builders';
import { Diagnostic } from '../sip/errors';
import { NameAddr } from '../sip/fields';
import { SipMessage, SipRequest, SipResponse, describe } from '../sip/message';
import { SipUri, Uri, parseUri } from '../sip/uri';
import { ServerTransaction } from '../transaction/server-transaction';
import { TimerConfig } from '../transaction/timers';
import { Garbage, TransactionLayer } from '../transaction/transaction-layer';
import { Received, Target } from '../transaction/transaction';
import { TwoXxRetransmission } from '../transaction/two-xx-retransmission';
import { Trace } from '../transport/trace';
import { TransportLayer } from '../transport/transport-layer';
import { Endpoint, Flow, ListenOptions, TransportProtocol } from '../transport/types';
import { defaultSdp } from './default-sdp';
import { Duration, toMs } from './duration';
import { Inbox } from './expectation';
import { IncomingRequest } from './incoming-request';
import { OutgoingCall } from './outgoing-call';
import { OutgoingRequest } from './outgoing-request';
import { uriTarget } from './targets';

// One class per file (as SIP.js keeps messages/); these re-exports keep `from './sip-agent'` imports working.
export { IncomingRequest, type RespondOptions } from './incoming-request';
export { OutgoingRequest, type StatusMatch } from './outgoing-request';
export { OutgoingCall } from './outgoing-call';
export { defaultSdp } from './default-sdp';

export interface AgentOptions {
  /** Shown in traces and ladders: "alice", "bob", "edge". */
  name: string;
  /** The check's trace; a new one when absent. */
  trace?: Trace;
  /** Listeners to open; default one UDP listener on 127.0.0.1, ephemeral port. */
  listen?: Array<TransportProtocol | ListenOptions>;
  host?: string;
  timers?: Partial<TimerConfig>;
  /** User part of this agent's AOR (default: the name); the domain defaults to the first listener's host. */
  user?: string;
  domain?: string;
  /** Client TLS settings (verification is on by default; rejectUnauthorized: false accepts self-signed). */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean; cert?: string | Buffer; key?: string | Buffer };
  /** Answer CRLF pings with pongs (RFC 5626 §3.5.1). Default true. */
  autoPong?: boolean;
  udpBufferBytes?: number;
}

export type FlowEvent =
  | { kind: 'close'; flow: Flow; reason: string; at: number }
  | { kind: 'keepalive-timeout'; flow: Flow; at: number }
  | { kind: 'ping'; flow: Flow; at: number }
  | { kind: 'pong'; flow: Flow; at: number; rttMs: number }
  | { kind: 'open'; flow: Flow; at: number };

export interface ExpectOptions {
  within?: Duration;
  /** Extra condition on the request. */
  match?: (req: SipRequest, incoming: IncomingRequest) => boolean;
  /** Only requests that arrived on this flow. */
  flow?: Flow;
}

export class SipAgent {
  readonly requests: Inbox<IncomingRequest>;
  /** Responses that matched no transaction of ours (e.g. 2xx retransmissions after Timer M). */
  readonly strayResponses: Inbox<Received<SipResponse>>;
  readonly flowEvents: Inbox<FlowEvent>;
  readonly garbage: Garbage[] = [];
  /** Grammar faults found in messages received (strict parsing), with the message they came in. */
  readonly violations: Array<{ message: string; errors: Diagnostic[] }> = [];
  private readonly calls = new Set<OutgoingCall>();
  private readonly twoXx = new Set<TwoXxRetransmission>();
  private closed = false;

  private constructor(
    readonly name: string,
    readonly trace: Trace,
    readonly transport: TransportLayer,
    readonly tx: TransactionLayer,
    readonly user: string,
    readonly domain: string,
  ) {
    this.requests = new Inbox<IncomingRequest>((r) => `${r.method} from ${fmt(r.flow.remote)}`);
    this.strayResponses = new Inbox<Received<SipResponse>>((r) => describe(r.message));
    this.flowEvents = new Inbox<FlowEvent>((e) => `${e.kind} on ${e.flow.id}`);
    tx.on('request', (t: ServerTransaction) => {
      this.noteViolations(t.request, t.violations);
      this.requests.push(new IncomingRequest(this, t.request, t.flow, t.arrivals[0]!, t));
    });
    tx.on('ack', (rx: Received<SipRequest>) => {
      this.noteViolations(rx.message, rx.violations);
      this.requests.push(new IncomingRequest(this, rx.message, rx.flow, rx.at, undefined));
    });
    tx.on('response', (rx: Received<SipResponse>) => {
      this.noteViolations(rx.message, rx.violations);
      for (const c of this.calls) if (c.ownsStray(rx)) return;
      this.strayResponses.push(rx);
    });
    tx.on('garbage', (g: Garbage) => this.garbage.push(g));
    transport.on('flow-close', (flow: Flow, reason: string) =>
      this.flowEvents.push({ kind: 'close', flow, reason, at: performance.now() }),
    );
    transport.on('flow-open', (flow: Flow) => this.flowEvents.push({ kind: 'open', flow, at: performance.now() }));
    transport.on('keepalive-timeout', (flow: Flow) =>
      this.flowEvents.push({ kind: 'keepalive-timeout', flow, at: performance.now() }),
    );
    transport.on('ping', (flow: Flow) => this.flowEvents.push({ kind: 'ping', flow, at: performance.now() }));
    transport.on('pong', (flow: Flow, rttMs: number) =>
      this.flowEvents.push({ kind: 'pong', flow, at: performance.now(), rttMs }),
    );
  }

  static async create(opts: AgentOptions): Promise<SipAgent> {
    const trace = opts.trace ?? new Trace();
    const transport = new TransportLayer({
      trace,
      agent: opts.name,
      autoPong: opts.autoPong,
      udpBufferBytes: opts.udpBufferBytes,
      tls: opts.tls,
    });
    try {
      const host = opts.host ?? '127.0.0.1';
      for (const l of opts.listen ?? ['udp']) {
        const lo: ListenOptions = typeof l === 'string' ? { transport: l, host } : { host, ...l };
        await transport.listen(lo);
      }
    } catch (e) {
      await transport.close();
      throw e;
    }
    const tx = new TransactionLayer(transport, { timers: opts.timers });
    const first = transport.listeners()[0]!;
    const domain = opts.domain ?? hostLiteral(first.local.address);
    return new SipAgent(opts.name, trace, transport, tx, opts.user ?? opts.name, domain);
  }

  get timers(): TimerConfig {
    return this.tx.timers;
  }

  ms(d: Duration): number {
    return toMs(d, this.timers);
  }

  /** This agent's address of record, `sip:user@domain`. */
  get aor(): SipUri {
    return parseUri(`sip:${this.user}@${this.domain}`) as SipUri;
  }

  /** The transport of the agent's first listener: what it uses when a call does not say. */
  get defaultTransport(): TransportProtocol {
    return this.transport.listeners()[0]?.transport ?? 'udp';
  }

  /** The listening address for a transport. */
  address(transport: TransportProtocol = this.defaultTransport): Endpoint {
    const l = this.transport.listener(transport);
    if (!l) throw new Error(`agent ${this.name} has no ${transport} listener`);
    return l.local;
  }

  /** A Contact for this agent on a transport: `<sip:user@host:port;transport=tcp>`. */
  contact(transport: TransportProtocol = this.defaultTransport, params: Record<string, string | null> = {}): NameAddr {
    const a = this.address(transport);
    const scheme = transport === 'tls' ? 'sips' : 'sip';
    const tp = transport === 'udp' ? '' : `;transport=${transport === 'tls' ? 'tcp' : transport}`;
    const na = new NameAddr(parseUri(`${scheme}:${this.user}@${hostLiteral(a.address)}:${a.port}${tp}`));
    for (const [k, v] of Object.entries(params)) na.params.set(k, v);
    return na;
  }

  private noteViolations(m: SipMessage, errors: Diagnostic[]): void {
    if (errors.length) this.violations.push({ message: describe(m), errors });
  }

  // ---- expectations ---------------------------------------------------------------------------------------------

  /** The next request with this method (and condition), within the bound (default 64·T1, Timer B/F). */
  expect(method: string, opts: ExpectOptions = {}): Promise<IncomingRequest> {
    const within = this.ms(opts.within ?? '64*T1');
    const m = method.toUpperCase();
    return this.requests.expect(
      (r) => r.method === m && (!opts.flow || r.flow.id === opts.flow.id) && (!opts.match || opts.match(r.request, r)),
      within,
      `${this.name} expected ${m}${opts.flow ? ` on flow ${opts.flow.id}` : ''}`,
    );
  }

  /** Passes when no request with this method arrives for `duration`. */
  expectNoRequest(method: string, duration: Duration, match?: (r: IncomingRequest) => boolean): Promise<void> {
    const m = method.toUpperCase();
    const ms = this.ms(duration);
    return this.requests.expectNone(
      (r) => r.method === m && (!match || match(r)),
      ms,
      `${this.name} expected no ${m} for ${ms} ms`,
    );
  }

  expectFlowEvent(kind: FlowEvent['kind'], opts: { flow?: Flow; within?: Duration } = {}): Promise<FlowEvent> {
    const within = this.ms(opts.within ?? '64*T1');
    return this.flowEvents.expect(
      (e) => e.kind === kind && (!opts.flow || e.flow.id === opts.flow.id),
      within,
      `${this.name} expected flow ${kind}${opts.flow ? ` on ${opts.flow.id}` : ''}`,
    );
  }

  // ---- sending ----------------------------------------------------------------------------------------------------

  /** A new out-of-dialog request (§8.1.1) with fresh Call-ID and From tag unless given. */
  createRequest(
    method: string,
    to: Uri | string,
    opts: {
      from?: NameAddr;
      toHeader?: NameAddr;
      callId?: string;
      cseq?: number;
      contact?: NameAddr | NameAddr[] | false;
      transport?: TransportProtocol;
      headers?: Array<[string, string | number]>;
      body?: Buffer | string;
      contentType?: string;
      requestUri?: Uri | string;
    } = {},
  ): SipRequest {
    const toUri = typeof to === 'string' ? parseUri(to) : to;
    const reqUri = opts.requestUri ?? toUri;
    const req = new SipRequest(method.toUpperCase(), reqUri.toString());
    req.append('Max-Forwards', 70);
    const from = opts.from ?? new NameAddr(this.aor);
    if (!from.params.has('tag')) from.params.set('tag', newTag());
    req.append('From', from.toString());
    req.append('To', (opts.toHeader ?? new NameAddr(toUri)).toString());
    req.append('Call-ID', opts.callId ?? newCallId(this.domain.replace(/[[\]]/g, '')));
    req.append('CSeq', `${opts.cseq ?? 1} ${method.toUpperCase()}`);
    if (opts.contact !== false) {
      const contacts =
        opts.contact === undefined
          ? needsContact(method)
            ? [this.contact(opts.transport ?? this.defaultTransport)]
            : []
          : Array.isArray(opts.contact)
            ? opts.contact
            : [opts.contact];
      for (const c of contacts) req.append('Contact', c.toString());
    }
    for (const [n, v] of opts.headers ?? []) req.append(n, v);
    if (opts.body !== undefined) req.setBody(opts.body, opts.contentType ?? 'application/sdp');
    return req;
  }

  /** Sends a request in a new client transaction. */
  async send(req: SipRequest, target: Target): Promise<OutgoingRequest> {
    const t = await this.tx.sendRequest(req, target);
    return new OutgoingRequest(this, t);
  }

  /** Sends an INVITE and returns the call (UAC side). */
  async invite(
    to: Uri | string,
    opts: {
      target: Target;
      body?: string | Buffer;
      headers?: Array<[string, string | number]>;
      requestUri?: Uri | string;
      from?: NameAddr;
      contact?: NameAddr;
    } = { target: undefined as never },
  ): Promise<OutgoingCall> {
    const transport = 'flow' in opts.target ? opts.target.flow.transport : opts.target.transport;
    const req = this.createRequest('INVITE', to, {
      transport,
      headers: opts.headers,
      body: opts.body ?? defaultSdp(this),
      requestUri: opts.requestUri,
      from: opts.from,
      contact: opts.contact,
    });
    return this.sendInvite(req, opts.target);
  }

  /** Sends a prepared INVITE (e.g. a retry with credentials, §22.2) in a new transaction and returns the call. */
  async sendInvite(req: SipRequest, target: Target): Promise<OutgoingCall> {
    const t = await this.tx.sendRequest(req, target);
    const call = new OutgoingCall(this, t);
    this.calls.add(call);
    return call;
  }

  /** Sends bytes as they are (a malformed message, a torture case) to a target, outside any transaction. */
  async sendRaw(data: Buffer | string, target: Target): Promise<Flow> {
    return this.tx.sendStateless(Buffer.isBuffer(data) ? data : Buffer.from(data), target);
  }

  /** @internal */
  trackTwoXx(r: TwoXxRetransmission): void {
    this.twoXx.add(r);
    r.once('done', () => this.twoXx.delete(r));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.requests.clear();
    this.strayResponses.clear();
    this.flowEvents.clear();
    for (const c of this.calls) c.closeInbox();
    for (const r of this.twoXx) r.stop();
    this.tx.close();
    await this.transport.close();
  }
}

function needsContact(method: string): boolean {
  const m = method.toUpperCase();
  return m === 'INVITE' || m === 'SUBSCRIBE' || m === 'REFER' || m === 'REGISTER';
}

function hostLiteral(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function fmt(e: Endpoint): string {
  return `${hostLiteral(e.address)}:${e.port}`;
}

export { uriTarget };
