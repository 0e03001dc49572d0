/**
 * A stateful proxy core (RFC 3261 §16): Max-Forwards (§16.3 step 3; the rest of §16.3 is request-validation.ts),
 * Route preprocessing (§16.4), targets one after the other (§16.6; the next when a branch fails retryably, such as
 * 430 Flow Failed, RFC 5626 §7), response forwarding with every 2xx retransmission (§16.7), Timer C (§16.8), CANCEL
 * (§16.10), the stateless ACK for a 2xx (§16.11). What its owner supplies, and its decision hooks: proxy-hooks.ts.
 */
import { newBranch } from '../sip/builders';
import { SipRequest, SipResponse } from '../sip/message';
import { SipUri } from '../sip/uri';
import { ClientTransaction } from '../transaction/client-transaction';
import { ServerTransaction } from '../transaction/server-transaction';
import { TransactionLayer } from '../transaction/transaction-layer';
import { cancelFor } from '../transaction/derived-requests';
import { Received, Target } from '../transaction/transaction';
import type { Flow } from '../transport/types';
import type {
  BranchFailure,
  ProxyDecisions,
  ProxyHooks,
  ProxyOptions,
  ProxyTarget,
  RouteContext,
  TargetDecision,
} from './proxy-hooks';
import { uriTarget } from './targets';

// The types a ProxyCore is built with live in proxy-hooks.ts; importing them from here keeps working.
export type * from './proxy-hooks';

interface ProxyContext {
  stx: ServerTransaction;
  request: SipRequest;
  targets: ProxyTarget[];
  next: number;
  branch?: ClientTransaction;
  failures: BranchFailure[];
  finalSent: boolean;
  cancelled: boolean;
  cancelSent?: boolean;
  forwarded2xx: number;
  timerC?: NodeJS.Timeout;
  from: Flow;
}

export class ProxyCore {
  private readonly contexts = new Map<ServerTransaction, ProxyContext>();
  private readonly decisions: Partial<ProxyDecisions>;

  constructor(
    readonly tx: TransactionLayer,
    private readonly hooks: ProxyHooks,
    private readonly opts: ProxyOptions = {},
  ) {
    this.decisions = opts.decisions ?? {};
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** Proxies a new request (not ACK, not CANCEL). */
  async handle(stx: ServerTransaction): Promise<void> {
    const req = stx.request.clone();
    // §16.3 step 3: Max-Forwards 0 → 483 (a proxy must not forward it).
    const mf = safe(() => req.maxForwards);
    if (mf === 0) {
      await this.reply(stx, 483);
      return;
    }
    const ctx: RouteContext = { poppedRoutes: this.popOwnRoutes(req) };
    this.hooks.prepare?.(req, stx.flow);
    // §16.7 / §17.2.1: a proxy answers an INVITE with 100 Trying at once.
    if (req.method === 'INVITE')
      await stx.respond(withRequestHeaders(new SipResponse(100), stx.request)).catch(() => undefined);
    let decision: TargetDecision;
    try {
      decision = await this.hooks.targets(req, ctx, stx.flow);
    } catch (e) {
      this.log(`target lookup failed: ${(e as Error).message}`);
      await this.reply(stx, 500);
      return;
    }
    if ('status' in decision) {
      await this.reply(stx, decision.status, decision.reason, decision.headers);
      return;
    }
    const pc: ProxyContext = {
      stx,
      request: req,
      targets: decision.targets,
      next: 0,
      failures: [],
      finalSent: false,
      cancelled: false,
      forwarded2xx: 0,
      from: stx.flow,
    };
    this.contexts.set(stx, pc);
    stx.once('terminated', () => {
      clearTimeout(pc.timerC);
      this.contexts.delete(stx);
    });
    await this.tryNext(pc);
  }

  private async tryNext(pc: ProxyContext): Promise<void> {
    if (pc.cancelled) return;
    const target = pc.targets[pc.next++];
    if (!target) {
      await this.allFailed(pc);
      return;
    }
    const fwd = pc.request.clone();
    if (target.requestUri) fwd.uri = target.requestUri;
    // §16.6 step 3: Max-Forwards decremented (added as 70 when absent).
    this.setMaxForwards(fwd, (mf) => (mf === undefined ? 70 : Math.max(0, mf - 1)));
    for (const r of [...(target.routes ?? [])].reverse()) fwd.prepend('Route', r);
    let dest: Target;
    try {
      dest = target.target ?? nextHop(fwd);
    } catch (e) {
      pc.failures.push({ target, status: 503, cause: 'transport-error' });
      this.log(`no next hop for ${target.label ?? fwd.uriText}: ${(e as Error).message}`);
      return this.tryNext(pc);
    }
    let flow: Flow;
    try {
      flow = await this.tx.resolve(dest);
    } catch (e) {
      this.log(`cannot reach ${target.label ?? fwd.uriText}: ${(e as Error).message}`);
      return this.onBranchFailure(pc, { target, status: 503, cause: 'transport-error' });
    }
    const rr = this.hooks.recordRoute?.(fwd, target, pc.from, flow);
    if (rr) fwd.prepend('Record-Route', rr);
    fwd.prepend('Via', this.tx.createVia(flow).toString());
    let ctx: ClientTransaction;
    try {
      ctx = await this.tx.sendRequest(fwd, { flow });
    } catch {
      return this.onBranchFailure(pc, { target, status: 503, cause: 'transport-error' });
    }
    pc.branch = ctx;
    this.log(`${fwd.method} → ${target.label ?? fwd.uriText} on ${flow.id}`);
    ctx.on('response', (rx: Received<SipResponse>) => void this.onResponse(pc, target, rx.message));
    ctx.on('timeout', () => void this.onBranchFailure(pc, { target, status: 408, cause: 'timeout' }));
    ctx.on('transport-error', () => void this.onBranchFailure(pc, { target, status: 503, cause: 'transport-error' }));
    if (fwd.method === 'INVITE') this.armTimerC(pc, ctx);
  }

  /** §16.8: Timer C (more than 3 minutes) for an INVITE branch, set when it is forwarded and reset by each 1xx. */
  private armTimerC(pc: ProxyContext, ctx: ClientTransaction): void {
    clearTimeout(pc.timerC);
    pc.timerC = setTimeout(() => void this.timerC(pc, ctx), this.opts.timerCMs ?? 180_000);
  }

  /**
   * §16.8: Timer C fired — CANCEL the branch if it had a provisional response (§9.1: never before one), and send 408
   * upstream without waiting for the branch's answer.
   */
  private async timerC(pc: ProxyContext, ctx: ClientTransaction): Promise<void> {
    if (pc.finalSent) return;
    if (ctx.state === 'proceeding') await this.sendCancel(ctx);
    if (!pc.finalSent) await this.forwardFinal(pc, 408);
  }

  private async onResponse(pc: ProxyContext, target: ProxyTarget, res: SipResponse): Promise<void> {
    const status = res.status;
    if (status === 100) return; // §16.7 step 3: 100 is not forwarded
    if (status >= 200 && status < 300) {
      clearTimeout(pc.timerC);
      const up = this.decide2xx(res, pc.forwarded2xx === 0);
      if (!up) return;
      pc.forwarded2xx++;
      pc.finalSent = true;
      await this.forward(pc.stx, up);
      return;
    }
    if (status < 200) {
      // §16.8: a provisional response other than 100 resets Timer C.
      if (pc.branch && pc.request.method === 'INVITE' && !pc.finalSent) this.armTimerC(pc, pc.branch);
      // §9.1: a CANCEL that arrived before any provisional response is sent once the branch is proceeding.
      if (pc.cancelled && pc.branch && pc.branch.state === 'proceeding' && !pc.cancelSent) {
        pc.cancelSent = true;
        await this.sendCancel(pc.branch);
      }
      await this.forward(pc.stx, res);
      return;
    }
    if (pc.finalSent) return;
    await this.onBranchFailure(pc, { target, status, cause: 'response' }, res);
  }

  private async onBranchFailure(pc: ProxyContext, failure: BranchFailure, res?: SipResponse): Promise<void> {
    if (pc.finalSent) return;
    if (pc.cancelled) {
      // §16.10: the cancelled branch's final response (487) goes upstream; no further branch is tried.
      if (res) {
        pc.finalSent = true;
        clearTimeout(pc.timerC);
        await this.forward(pc.stx, res);
      } else await this.forwardFinal(pc, 487);
      return;
    }
    pc.failures.push(failure);
    const rfcRetry = this.hooks.retry
      ? this.hooks.retry(failure)
      : failure.status === 430 || failure.cause !== 'response';
    const retry = this.decisions.tryNextTarget ? this.decisions.tryNextTarget(rfcRetry, failure) : rfcRetry;
    if (retry && pc.next < pc.targets.length) {
      this.log(
        `branch to ${failure.target.label ?? '?'} failed (${failure.status} ${failure.cause}); trying the next target (RFC 5626 §7)`,
      );
      await this.tryNext(pc);
      return;
    }
    if (retry && pc.next >= pc.targets.length) {
      await this.allFailed(pc);
      return;
    }
    if (res) {
      pc.finalSent = true;
      clearTimeout(pc.timerC);
      await this.forward(pc.stx, res);
    } else await this.forwardFinal(pc, failure.status);
  }

  private async allFailed(pc: ProxyContext): Promise<void> {
    if (pc.finalSent) return;
    // §16.7 step 6: the best response; with no branches at all, 480 (nothing reachable).
    const best = pc.failures.map((f) => f.status).sort((a, b) => rank(a) - rank(b))[0] ?? 480;
    const rfcFinal = this.hooks.allFailed?.(pc.failures) ?? { status: best };
    const final = this.decisions.finalWhenAllFailed
      ? this.decisions.finalWhenAllFailed(rfcFinal, pc.failures)
      : rfcFinal;
    if (!final) {
      this.log('every target failed; a decision hook chose to send nothing upstream');
      return;
    }
    await this.forwardFinal(pc, final.status, final.reason);
  }

  private async forwardFinal(pc: ProxyContext, status: number, reason?: string): Promise<void> {
    if (pc.finalSent) return;
    pc.finalSent = true;
    clearTimeout(pc.timerC);
    await this.reply(pc.stx, status, reason);
  }

  /** §16.7 step 9: remove our Via and send the response upstream in the server transaction. */
  private async forward(stx: ServerTransaction, res: SipResponse): Promise<void> {
    const up = res.clone();
    up.removeFirst('via');
    if (!up.has('via')) return;
    await stx.respond(up).catch((e: Error) => this.log(`cannot forward ${res.status} upstream: ${e.message}`));
  }

  private async reply(
    stx: ServerTransaction,
    status: number,
    reason?: string,
    headers: Array<[string, string | number]> = [],
  ): Promise<void> {
    const res = withRequestHeaders(new SipResponse(status, reason), stx.request);
    if (!stx.request.to.tag) {
      const to = stx.request.to.clone();
      to.params.set('tag', newBranch().slice(7, 17));
      res.set('To', to.toString());
    }
    for (const [n, v] of headers) res.append(n, v);
    await stx.respond(res).catch(() => undefined);
  }

  /** §16.10: answer the CANCEL, cancel the pending branch; the branch's 487 then goes upstream. */
  async handleCancel(cancel: ServerTransaction): Promise<void> {
    const inv = cancel.cancels;
    if (!inv) {
      await this.reply(cancel, 481);
      return;
    }
    await this.reply(cancel, 200);
    const cancels = this.decisions.cancelBranches ? this.decisions.cancelBranches(true, cancel.request) : true;
    if (!cancels) {
      this.log('CANCEL answered; a decision hook chose not to cancel the branch');
      return;
    }
    const pc = this.contexts.get(inv);
    if (!pc) return;
    pc.cancelled = true;
    if (pc.branch && pc.branch.state === 'proceeding') {
      pc.cancelSent = true;
      await this.sendCancel(pc.branch);
    } else if (!pc.branch || pc.branch.state === 'terminated') {
      if (!pc.finalSent) await this.forwardFinal(pc, 487);
    }
    // A branch still 'calling' gets its CANCEL with its first provisional response (§9.1).
  }

  private async sendCancel(ctx: ClientTransaction): Promise<void> {
    await this.tx.sendRequest(cancelFor(ctx.request), { flow: ctx.flow }).catch(() => undefined);
  }

  /**
   * §16.11 / §16.6: the ACK for a 2xx matches no transaction; forward it statelessly along its Route (after
   * removing our own entries) or to its Request-URI. `resolve` may map a popped route (a flow token) to a target.
   */
  async forwardAck(
    rx: Received<SipRequest>,
    resolve?: (popped: SipUri[], req: SipRequest) => Target | undefined,
  ): Promise<void> {
    const ack = this.decisions.forwardAck ? this.decisions.forwardAck(rx.message.clone()) : rx.message.clone();
    if (!ack) {
      this.log('ACK for 2xx not forwarded: a decision hook dropped it');
      return;
    }
    const popped = this.popOwnRoutes(ack);
    if (safe(() => ack.maxForwards) === 0) return;
    this.setMaxForwards(ack, (mf) => (mf === undefined ? 70 : mf - 1));
    let dest: Target | undefined;
    try {
      dest = resolve?.(popped, ack) ?? nextHop(ack);
      const flow = await this.tx.resolve(dest);
      ack.prepend('Via', this.tx.createVia(flow).toString());
      await this.tx.sendStateless(ack, { flow });
      this.log(`ACK → ${flow.id}`);
    } catch (e) {
      this.log(`cannot forward ACK: ${(e as Error).message}`);
    }
  }

  /** A response that matched no client transaction (a late 2xx retransmission): forward by the next Via. */
  async forwardStrayResponse(rx: Received<SipResponse>): Promise<void> {
    if (!(rx.message.status >= 200 && rx.message.status < 300)) return;
    const res = this.decide2xx(rx.message.clone(), false);
    if (!res) return;
    res.removeFirst('via');
    const via = safe(() => res.topVia);
    if (!via) return;
    const address = via.received ?? via.host.replace(/^\[|\]$/g, '');
    const port = typeof via.rport === 'number' ? via.rport : (via.port ?? 5060);
    const transport = via.transport.toLowerCase() as 'udp' | 'tcp' | 'tls';
    await this.tx.sendStateless(res, { remote: { address, port }, transport }).catch(() => undefined);
  }

  /** §16.4: removes the Route values on top that name this proxy, and returns them in order. */
  private popOwnRoutes(req: SipRequest): SipUri[] {
    const popped: SipUri[] = [];
    for (;;) {
      const top = safe(() => req.routes[0]);
      if (!top || top.uri.kind !== 'sip' || !this.hooks.isOwn(top.uri)) return popped;
      popped.push(top.uri);
      req.removeFirst('route');
    }
  }

  /** §16.6 step 3: Max-Forwards of a forwarded copy, through the maxForwards decision. */
  private setMaxForwards(req: SipRequest, rfc: (received: number | undefined) => number): void {
    const received = safe(() => req.maxForwards);
    const next = this.decisions.maxForwards ? this.decisions.maxForwards(rfc(received), received) : rfc(received);
    if (next !== undefined) req.set('Max-Forwards', next);
  }

  private decide2xx(res: SipResponse, first: boolean): SipResponse | undefined {
    return this.decisions.forward2xx ? this.decisions.forward2xx(res, { first }) : res;
  }

  close(): void {
    for (const pc of this.contexts.values()) clearTimeout(pc.timerC);
    this.contexts.clear();
  }
}

/** The next hop of a request: its top Route (loose routing) or its Request-URI (§16.6 step 7, §16.12). */
export function nextHop(req: SipRequest): Target {
  const route = req.routes[0];
  return uriTarget(route ? route.uri : req.uri);
}

/** §8.2.6.2: Via, From, To, Call-ID and CSeq of the request, as they came. */
function withRequestHeaders(res: SipResponse, req: SipRequest): SipResponse {
  for (const h of req.headers)
    if (h.key === 'via' || h.key === 'from' || h.key === 'call-id' || h.key === 'cseq' || h.key === 'to')
      res.headers.push({ ...h });
  return res;
}

/** §16.7 step 6 preference: 6xx, then 2xx.., else lowest class; 430/503/408 (synthesized failures) last. */
function rank(status: number): number {
  if (status >= 600) return 0;
  if (status === 408 || status === 503 || status === 430) return 900 + status / 1000;
  return status;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
