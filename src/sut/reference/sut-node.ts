/**
 * One listener set of the reference SUT: a TransportLayer (UDP + TCP, one port when possible), a TransactionLayer
 * and a ProxyCore, in one of two roles:
 *  - 'edge': edge proxy + registrar + authoritative proxy co-located (RFC 5626 §5.3 and §7 in one node): bindings
 *    keep the flow their REGISTER came on, requests toward a UA go on that flow, Record-Route carries flow tokens;
 *  - 'registrar': registrar + authoritative proxy only; an edge proxy (the harness) sits in front and adds Path.
 * Both nodes of one SUT share the BindingStore, so an AOR registered through one is reachable through the other.
 */
import { FlowTokens } from '../../agent/flow-token';
import { ProxyCore, RouteContext, TargetDecision } from '../../agent/proxy-core';
import { answerUnusable, validateRequest } from '../../agent/request-validation';
import { createResponse } from '../../sip/builders';
import { SipRequest, SipResponse, describe } from '../../sip/message';
import { SipUri } from '../../sip/uri';
import { ServerTransaction } from '../../transaction/server-transaction';
import type { TimerConfig } from '../../transaction/timers';
import { Garbage, TransactionLayer } from '../../transaction/transaction-layer';
import type { Received } from '../../transaction/transaction';
import type { Trace } from '../../transport/trace';
import { TransportLayer } from '../../transport/transport-layer';
import type { Endpoint, Flow, TransportProtocol } from '../../transport/types';
import { formatEndpoint } from '../../transport/types';
import type { FaultHooks } from './fault-definition';
import { FlowRouting, NodeRole } from './flow-routing';
import { FlowTimerWatch } from './flow-timer';
import { LocationService } from './location';
import { OwnRequests } from './own-requests';
import { RegistrarContext, SUPPORTED_TAGS, handleRegister } from './registrar';

export type { NodeRole };

export const ALLOW =
  'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, INFO, UPDATE, PRACK, SUBSCRIBE, NOTIFY, REFER';

/** What the nodes of one SUT share. */
export interface SutShared {
  domain: string;
  tokens: FlowTokens;
  /** How long past the Flow-Timer a silent outbound flow is kept (see FlowTimerWatch), ms. */
  flowTimerGraceMs: number;
  /** The hooks the SUT's active faults apply through (installed on every node's core objects). */
  hooks: Pick<Required<FaultHooks>, 'transaction' | 'proxy' | 'location' | 'presence' | 'requests'>;
  /** Timer C (§16.8), ms. */
  timerCMs?: number;
  registrar: Omit<RegistrarContext, 'role' | 'isDomain'>;
  /** Every node of the SUT (to find which one owns a binding's flow). */
  nodes: SutNode[];
  log(line: string): void;
}

export interface NodeListenOptions {
  host: string;
  port: number;
  /** Also listen on TLS (ephemeral port) with this certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  agent: string;
  trace: Trace;
  timers?: Partial<TimerConfig>;
}

/** Headers the SUT reads; a grammar error in one of them makes the request unusable (400). */
const PROCESSED_HEADERS = new Set([
  'via',
  'from',
  'to',
  'call-id',
  'cseq',
  'max-forwards',
  'route',
  'contact',
  'expires',
  'content-length',
  'require',
  'proxy-require',
  'path',
  'authorization',
]);

export class SutNode {
  readonly transport: TransportLayer;
  readonly tx: TransactionLayer;
  readonly proxy: ProxyCore;
  private readonly routing: FlowRouting;
  private readonly location: LocationService;
  /** Outbound flows whose registration got a Flow-Timer from us: closed when silent too long (RFC 5626 §4.4.1). */
  readonly flowTimers: FlowTimerWatch;
  /** Requests the node answers itself (its presence notifier) and its request decisions faults may override. */
  readonly own: OwnRequests;

  private constructor(
    readonly role: NodeRole,
    private readonly shared: SutShared,
    transport: TransportLayer,
    timers: Partial<TimerConfig> | undefined,
  ) {
    this.transport = transport;
    this.tx = new TransactionLayer(transport, { timers, clientHooks: shared.hooks.transaction });
    const log = (line: string) => shared.log(`${clock()} ${this.label} ${line}`);
    this.flowTimers = new FlowTimerWatch(transport, shared.flowTimerGraceMs, log);
    this.routing = new FlowRouting(this, shared.tokens, shared.registrar.store, log);
    this.location = new LocationService(this, this.routing, {
      registrar: shared.registrar,
      decisions: shared.hooks.location,
      nodes: shared.nodes,
      log,
    });
    this.own = OwnRequests.forNode({
      tx: this.tx,
      shared,
      log,
      address: (t) => this.address(t),
      isDomain: (u) => this.isDomain(u),
      respond: (stx, status) => this.respond(stx, status),
    });
    this.proxy = new ProxyCore(
      this.tx,
      {
        targets: (req, ctx, from) => this.targets(req, ctx, from),
        isOwn: (uri) => this.isOwn(uri),
        recordRoute: (req, target, from, to) =>
          this.own.recordRoute(this.routing.recordRoute(req, target, from, to), req),
        allFailed: (failures) => this.location.allFailed(failures),
      },
      { decisions: shared.hooks.proxy, log, ...(shared.timerCMs !== undefined ? { timerCMs: shared.timerCMs } : {}) },
    );
    this.tx.on(
      'request',
      (stx: ServerTransaction) =>
        void this.onRequest(stx).catch((e: Error) =>
          this.log(`internal error on ${stx.request.method}: ${e.stack ?? e.message}`),
        ),
    );
    this.tx.on(
      'ack',
      (rx: Received<SipRequest>) =>
        void this.onAck(rx).catch((e: Error) => this.log(`internal error on ACK: ${e.message}`)),
    );
    this.tx.on('response', (rx: Received<SipResponse>) => {
      // §18.1.2: a response whose top Via is not ours is discarded; a stray 2xx with ours goes on by the next Via.
      if (this.viaIsOurs(rx.message)) void this.proxy.forwardStrayResponse(rx).catch(() => undefined);
    });
    this.tx.on('garbage', (g: Garbage) => void this.onGarbage(g).catch(() => undefined));
    this.transport.on('handler-error', (err) => this.log(`handler error: ${(err as Error)?.message ?? String(err)}`));
  }

  /**
   * Listens on UDP and TCP on one port, as a SIP server does (one address for every transport: SUT profiles and
   * the checks rely on it). With port 0 an ephemeral UDP port whose TCP twin is taken (by some connection's local
   * port) is given up and another tried.
   */
  static async start(role: NodeRole, shared: SutShared, opts: NodeListenOptions): Promise<SutNode> {
    for (let attempt = 1; ; attempt++) {
      // As a TLS client (a sips: next hop) the SUT accepts the harness's self-signed loopback certificates.
      const transport = new TransportLayer({
        trace: opts.trace,
        agent: opts.agent,
        tls: { rejectUnauthorized: false },
      });
      try {
        const udp = await transport.listen({ transport: 'udp', host: opts.host, port: opts.port });
        await transport.listen({ transport: 'tcp', host: opts.host, port: udp.local.port });
        if (opts.tls) await transport.listen({ transport: 'tls', host: opts.host, port: 0, tls: opts.tls });
        return new SutNode(role, shared, transport, opts.timers);
      } catch (e) {
        await transport.close();
        if (opts.port !== 0 || attempt >= 20) throw e;
      }
    }
  }

  get label(): string {
    return this.role === 'edge' ? 'proxy' : 'registrar-only';
  }

  private log(line: string): void {
    this.shared.log(`${clock()} ${this.label} ${line}`);
  }

  address(transport: TransportProtocol = 'udp'): Endpoint {
    const l = this.transport.listener(transport);
    if (!l) throw new Error(`the reference SUT has no ${transport} listener`);
    return { ...l.local };
  }

  ports(): Set<number> {
    return new Set(this.transport.listeners().map((l) => l.local.port));
  }

  private viaIsOurs(res: SipResponse): boolean {
    try {
      const via = res.topVia;
      const host = via.host.replace(/^\[|\]$/g, '');
      return this.transport
        .listeners()
        .some((l) => sameHost(l.local.address, host) && l.local.port === (via.port ?? 5060));
    } catch {
      return false;
    }
  }

  /** Whether a flow was accepted or opened by this node (its local end is one of our listeners). */
  ownsFlow(flow: Flow): boolean {
    return this.transport
      .listeners()
      .some(
        (l) =>
          l.transport === flow.transport &&
          l.local.port === flow.local.port &&
          sameHost(l.local.address, flow.local.address),
      );
  }

  async close(): Promise<void> {
    this.flowTimers.close();
    this.own.close();
    this.proxy.close();
    this.tx.close();
    await this.transport.close();
  }

  // ---- what names us ----------------------------------------------------------------------------------------------

  /** A URI naming this node itself (§16.4: Route values to remove): one of our addresses, or the domain name. */
  isOwn(uri: SipUri): boolean {
    const host = uri.hostname.toLowerCase();
    const port = uri.port ?? (uri.scheme === 'sips' || uri.transport === 'tls' ? 5061 : 5060);
    if (this.transport.listeners().some((l) => sameHost(l.local.address, host) && l.local.port === port)) return true;
    return !isIpLiteral(host) && host === this.shared.domain.toLowerCase() && uri.port === undefined;
  }

  /** A URI in our domain (an AOR we are responsible for, or the registrar's Request-URI). */
  isDomain(uri: SipUri): boolean {
    const host = uri.hostname.toLowerCase();
    const ourHost =
      host === this.shared.domain.toLowerCase().replace(/^\[|\]$/g, '') ||
      this.shared.nodes.some((n) => n.transport.listeners().some((l) => sameHost(l.local.address, host)));
    if (!ourHost) return false;
    if (uri.port === undefined) return true;
    return this.shared.nodes.some((n) => n.ports().has(uri.port!));
  }

  // ---- requests -----------------------------------------------------------------------------------------------------

  private async onRequest(stx: ServerTransaction): Promise<void> {
    const req = stx.request;
    if (req.method === 'CANCEL') {
      await this.proxy.handleCancel(stx);
      return;
    }
    const verdict = validateRequest(req, stx.violations, {
      supportedTags: SUPPORTED_TAGS,
      processedHeaders: PROCESSED_HEADERS,
      warnAgent: 'sipconf-sut',
    });
    const bad = this.own.rejectInvalid(verdict, req);
    if (bad) {
      await this.respond(stx, bad.status, bad.headers ?? [], bad.reason);
      return;
    }
    const uri = req.uri as SipUri;
    const routesLeft = this.routesAfterOwn(req);
    if (routesLeft === 0) {
      if (req.method === 'REGISTER' && this.isDomain(uri)) {
        const res = handleRegister(req, stx.flow, {
          ...this.shared.registrar,
          role: this.role,
          isDomain: (u) => this.isDomain(u),
        });
        const flowTimer = res.status === 200 ? res.get('flow-timer') : undefined;
        if (flowTimer !== undefined) this.flowTimers.watch(stx.flow, Number(flowTimer));
        await stx.respond(res).catch((e: Error) => this.log(`cannot send ${res.status} to REGISTER: ${e.message}`));
        return;
      }
      if (uri.user === undefined && this.isDomain(uri)) {
        await this.answerLocally(stx);
        return;
      }
    }
    if (await this.own.take(stx, routesLeft === 0)) return;
    await this.proxy.handle(stx);
  }

  /** Requests addressed to the SUT itself (no user part): OPTIONS → 200 (§11.2); others have no resource here. */
  private async answerLocally(stx: ServerTransaction): Promise<void> {
    const req = stx.request;
    if (req.method === 'OPTIONS') {
      const unsupported = req.optionTags('require').filter((t) => !SUPPORTED_TAGS.includes(t));
      if (unsupported.length) return this.respond(stx, 420, [['Unsupported', unsupported.join(', ')]]);
      const headers: Array<[string, string]> = [
        ['Allow', ALLOW],
        ['Allow-Events', 'presence'],
        ['Supported', SUPPORTED_TAGS.join(', ')],
        ['Accept', 'application/sdp'],
        ['Server', 'sipconf-reference-sut'],
      ];
      return this.respond(stx, 200, this.own.optionsHeaders(headers));
    }
    // An in-dialog request that reached us as its target: no such dialog here (§12.2.2).
    if (req.to.tag) return this.respond(stx, 481);
    return this.respond(stx, 404, [
      ['Warning', '399 sipconf-sut "the SUT itself has no user; address a user of the domain"'],
    ]);
  }

  private routesAfterOwn(req: SipRequest): number {
    const routes = req.routes;
    let i = 0;
    while (i < routes.length && routes[i]!.uri.kind === 'sip' && this.isOwn(routes[i]!.uri as SipUri)) i++;
    return routes.length - i;
  }

  private async respond(
    stx: ServerTransaction,
    status: number,
    headers: Array<[string, string | number]> = [],
    reason?: string,
  ): Promise<void> {
    const res = createResponse(stx.request, status, { headers, ...(reason ? { reason } : {}) });
    await stx.respond(res).catch((e: Error) => this.log(`cannot send ${status}: ${e.message}`));
  }

  // ---- proxy hooks ----------------------------------------------------------------------------------------------

  /** §16.5 with RFC 5626 §5.3 (flow tokens) and §7 (flows of one instance, one at a time). */
  private targets(req: SipRequest, ctx: RouteContext, from: Flow): TargetDecision {
    return this.own.ownRoutesKept(this.routeTargets(req, ctx, from), ctx.poppedRoutes, req);
  }

  private routeTargets(req: SipRequest, ctx: RouteContext, from: Flow): TargetDecision {
    const byToken = this.routing.tokenTargets(ctx.poppedRoutes, from);
    if (byToken) return byToken;
    this.routing.addPath(req, from);
    if (req.routes.length > 0) return { targets: [{ label: `Route ${req.routes[0]!.uri.toString()}` }] };
    const uri = req.uri as SipUri;
    if (!this.isDomain(uri)) return { targets: [{ label: uri.toString() }] };
    if (uri.user === undefined) return { status: 404 };
    return this.location.locate(uri);
  }

  // ---- ACK, garbage ---------------------------------------------------------------------------------------------

  /** §16.11: the ACK for a 2xx is forwarded statelessly along its Route; a flow token picks the flow. */
  private async onAck(rx: Received<SipRequest>): Promise<void> {
    const ack = rx.message;
    let uri: SipUri | undefined;
    try {
      uri = ack.uri.kind === 'sip' ? ack.uri : undefined;
    } catch {
      uri = undefined;
    }
    if (!uri) return;
    const left = this.routesAfterOwn(ack);
    const resolve = (popped: SipUri[]) => this.routing.ackTarget(popped, rx.flow);
    if (left === 0 && this.isDomain(uri)) {
      // Nowhere to go but ourselves, unless a token names a flow: an ACK for a response we sent ourselves.
      const popped = ack.routes.map((r) => r.uri).filter((u): u is SipUri => u.kind === 'sip');
      let has: boolean;
      try {
        has = resolve(popped) !== undefined;
      } catch {
        has = false;
      }
      if (!has) return;
    }
    await this.proxy.forwardAck(rx, (popped) => resolve(popped));
  }

  /** Unusable bytes: a request that still has a Via gets 400 or 505 (see answerUnusable); anything else is dropped. */
  private async onGarbage(g: Garbage): Promise<void> {
    this.log(
      `unusable message from ${formatEndpoint(g.flow.remote)} ${g.flow.transport}: ${g.errors.map((e) => e.message).join('; ')}`,
    );
    const answer = answerUnusable(g.data, g.errors);
    if (!answer) return;
    await this.tx.sendStateless(answer.response, { flow: g.flow }).catch(() => undefined);
    this.log(`answered ${describe(answer.request)} with ${answer.response.status}`);
  }
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

function isIpLiteral(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}

function sameHost(a: string, b: string): boolean {
  const n = (x: string) => {
    const s = x.toLowerCase().replace(/^\[|\]$/g, '');
    return s === 'localhost' ? '127.0.0.1' : s === '0:0:0:0:0:0:0:1' ? '::1' : s;
  };
  return n(a) === n(b);
}
