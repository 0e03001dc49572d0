/**
 * The reference SUT in the `b2bua` role, as a PBX is one: a registrar (RFC 3261 §10.3, the shared BindingStore),
 * digest authentication of callers (407 to INVITE, §22.2, §22.3; RFC 7616 SHA-256 and MD5), and calls as two
 * dialogs (b2bua-call.ts). The callee leg goes to the callee's binding, or to the trunk next hop when the callee has
 * none and a trunk is configured. Built on the harness's own TransportLayer and TransactionLayer.
 */
import { uriTarget } from '../../agent/targets';
import { createResponse } from '../../sip/builders';
import type { DigestServer } from '../../sip/digest';
import { SipRequest, SipResponse } from '../../sip/message';
import type { SipUri } from '../../sip/uri';
import type { ServerTransaction } from '../../transaction/server-transaction';
import type { TimerConfig } from '../../transaction/timers';
import { TransactionLayer } from '../../transaction/transaction-layer';
import type { Received, Target } from '../../transaction/transaction';
import type { Trace } from '../../transport/trace';
import { TransportLayer } from '../../transport/transport-layer';
import type { Endpoint, Flow, TransportProtocol } from '../../transport/types';
import { B2buaCall, B2buaDecisions, B2buaHost, Leg, decide } from './b2bua-call';
import type { ClientTransactionHooks } from '../../transaction/client-transaction';
import { RegistrarContext, handleRegister } from './registrar';

export interface B2buaOptions {
  host: string;
  port: number;
  agent: string;
  trace: Trace;
  timers?: Partial<TimerConfig>;
  registrar: Omit<RegistrarContext, 'role' | 'isDomain'>;
  domain: string;
  /** Digest for callers (407 to INVITE) when given: password by digest username. */
  callerAuth?: { digest: DigestServer; users: ReadonlyMap<string, string> };
  /** Outgoing calls to users without a binding go here (a trunk next hop). */
  trunk?: Endpoint;
  /** Hooks at the B2BUA's RFC decisions and at its client transactions' (where faults install defects). */
  decisions: Partial<B2buaDecisions>;
  clientHooks?: Partial<ClientTransactionHooks>;
  log(line: string): void;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, PRACK';

export class B2buaNode implements B2buaHost {
  readonly tx: TransactionLayer;
  private readonly dialogs = new Map<string, { call: B2buaCall; leg: Leg }>();
  private readonly byInvite = new WeakMap<ServerTransaction, B2buaCall>();

  private constructor(
    readonly transport: TransportLayer,
    private readonly opts: B2buaOptions,
  ) {
    this.tx = new TransactionLayer(transport, { timers: opts.timers, clientHooks: opts.clientHooks });
    this.tx.on(
      'request',
      (stx: ServerTransaction) =>
        void this.onRequest(stx).catch((e: Error) => this.log(`internal error: ${e.stack ?? e.message}`)),
    );
    // The ACK for a 2xx we sent: the layer has stopped its retransmission (§13.3.1.4); nothing goes to the other leg.
    this.tx.on('ack', () => undefined);
    this.tx.on('response', (rx: Received<SipResponse>) => void this.onStrayResponse(rx));
  }

  /** Listens on UDP and TCP on one port (the B2BUA's one address), like the proxy role's nodes. */
  static async start(opts: B2buaOptions): Promise<B2buaNode> {
    for (let attempt = 1; ; attempt++) {
      const transport = new TransportLayer({
        trace: opts.trace,
        agent: opts.agent,
        tls: { rejectUnauthorized: false },
      });
      try {
        const udp = await transport.listen({ transport: 'udp', host: opts.host, port: opts.port });
        await transport.listen({ transport: 'tcp', host: opts.host, port: udp.local.port });
        return new B2buaNode(transport, opts);
      } catch (e) {
        await transport.close();
        if (opts.port !== 0 || attempt >= 20) throw e;
      }
    }
  }

  get decisions(): Partial<B2buaDecisions> {
    return this.opts.decisions;
  }

  address(transport: TransportProtocol = 'udp'): Endpoint {
    const l = this.transport.listener(transport);
    if (!l) throw new Error(`the reference B2BUA has no ${transport} listener`);
    return { ...l.local };
  }

  contact(flow: Flow): string {
    const l = this.address(flow.transport === 'tls' ? 'tcp' : flow.transport);
    const host = l.address.includes(':') ? `[${l.address}]` : l.address;
    return `<sip:b2bua@${host}:${l.port}${flow.transport === 'udp' ? '' : `;transport=${flow.transport}`}>`;
  }

  log(line: string): void {
    this.opts.log(`${new Date().toISOString().slice(11, 23)} b2bua ${line}`);
  }

  index(key: string, call: B2buaCall, leg: Leg): void {
    this.dialogs.set(key, { call, leg });
  }

  forget(call: B2buaCall): void {
    for (const [k, v] of this.dialogs) if (v.call === call) this.dialogs.delete(k);
  }

  async close(): Promise<void> {
    this.tx.close();
    await this.transport.close();
  }

  private isDomain(uri: SipUri): boolean {
    const host = uri.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const own = this.transport.listeners().some((l) => l.local.address === host);
    return (
      (host === this.opts.domain.replace(/^\[|\]$/g, '').toLowerCase() || own) &&
      (uri.port === undefined || this.transport.listeners().some((l) => l.local.port === uri.port))
    );
  }

  private async respond(stx: ServerTransaction, status: number, headers: Array<[string, string | number]> = []) {
    await stx.respond(createResponse(stx.request, status, { headers })).catch(() => undefined);
  }

  private async onRequest(stx: ServerTransaction): Promise<void> {
    const req = stx.request;
    if (req.method === 'CANCEL') {
      const call = stx.cancels ? this.byInvite.get(stx.cancels) : undefined;
      if (!call) return this.respond(stx, 481); // §9.2: no matching transaction
      return call.cancel(stx);
    }
    if (req.uri.kind !== 'sip') return this.respond(stx, 416);
    if (req.to.tag) {
      // §12.2.2: a request in a dialog we do not know gets 481.
      const found = this.dialogs.get(`${req.callId}|${req.to.tag}`);
      if (!found) return this.respond(stx, decide(this.decisions, 'unknownDialogStatus', 481));
      return found.call.inDialog(stx, found.leg);
    }
    if (req.method === 'REGISTER') {
      const res = handleRegister(req, stx.flow, {
        ...this.opts.registrar,
        role: 'edge',
        isDomain: (u) => this.isDomain(u),
      });
      await stx.respond(res).catch(() => undefined);
      return;
    }
    if (req.method === 'OPTIONS')
      return this.respond(stx, 200, [
        ['Allow', ALLOW],
        ['Accept', 'application/sdp'],
      ]);
    if (req.method !== 'INVITE') return this.respond(stx, 405, [['Allow', ALLOW]]);
    await this.onInvite(stx);
  }

  private async onInvite(stx: ServerTransaction): Promise<void> {
    const req = stx.request;
    const challenge = this.authenticate(req);
    if (challenge) return void (await stx.respond(challenge).catch(() => undefined));
    const route = this.calleeRoute(req.uri as SipUri);
    if ('status' in route) return this.respond(stx, route.status);
    const call = new B2buaCall(this, stx);
    this.byInvite.set(stx, call);
    await call.start(route.requestUri, route.target);
  }

  /** §22.2/§22.3: a 407 with Proxy-Authenticate unless the INVITE carries valid Proxy-Authorization. */
  private authenticate(req: SipRequest): SipResponse | undefined {
    const auth = this.opts.callerAuth;
    // Local callers — users of this domain with a binding (the PBX's own extensions) — must authenticate; calls
    // from elsewhere (another domain, a trunk, an unregistered UA) are not challenged.
    const from = req.from.uri;
    if (!auth || from.kind !== 'sip' || this.opts.registrar.store.lookup(from.aor()).length === 0) return undefined;
    const value = req.get('proxy-authorization');
    const challenge = (stale: boolean, warning?: string) =>
      createResponse(req, 407, {
        headers: [
          ...decide(this.decisions, 'challenges', auth.digest.challenges({ stale })).map(
            (c) => ['Proxy-Authenticate', c] as [string, string],
          ),
          ...(warning ? [['Warning', `399 sipconf-sut "${warning.replace(/"/g, "'")}"`] as [string, string]] : []),
        ],
      });
    if (!value) return challenge(false);
    const users = auth.users;
    const verdict = auth.digest.verify(value, 'INVITE', (u) => users.get(u) ?? users.get('*'), {
      requestUri: req.uriText,
    });
    if (decide(this.decisions, 'acceptCredentials', verdict.ok, verdict.ok ? undefined : verdict.reason))
      return undefined;
    this.log(`INVITE ${req.callId} rejected: ${verdict.ok ? 'refused' : verdict.message}`);
    return verdict.ok ? challenge(false) : challenge(verdict.stale, verdict.message);
  }

  /** The callee leg's Request-URI and next hop: the first binding of the AOR, else the trunk, else 404/480. */
  private calleeRoute(uri: SipUri): { requestUri: string; target: Target } | { status: number } {
    const bindings = this.opts.registrar.store.lookup(uri.aor());
    const b = bindings[0];
    if (b) {
      const target: Target =
        b.flow && !b.flow.closed && b.flow.reliable
          ? { flow: b.flow }
          : uriTarget(b.contact.uri, b.flow?.transport === 'tls' ? 'tls' : (b.flow?.transport ?? 'udp'));
      return { requestUri: b.contact.uri.toString(), target };
    }
    if (this.opts.trunk) return { requestUri: uri.toString(), target: { remote: this.opts.trunk, transport: 'udp' } };
    return { status: this.opts.registrar.everRegistered.has(uri.aor()) ? 480 : 404 };
  }

  /** A 2xx to INVITE retransmitted after its transaction ended (Timer M): the callee leg ACKs it again. */
  private async onStrayResponse(rx: Received<SipResponse>): Promise<void> {
    const res = rx.message;
    if (res.cseq.method !== 'INVITE' || res.status < 200 || res.status >= 300) return;
    const found = this.dialogs.get(`${res.callId}|${res.from.tag ?? ''}`);
    if (found && found.leg.name === 'callee') await found.call.ackCallee(res);
  }
}
