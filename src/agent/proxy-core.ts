/**
 * A stateful proxy core (RFC 3261 §16) over the transaction layer: Max-Forwards (§16.3 step 3; the other §16.3
 * checks are in request-validation.ts), route preprocessing (§16.4), forwarding to targets (§16.6) — fork groups in
 * parallel, the targets of one group one after the other, the next when a branch fails with a retryable answer such
 * as 430 Flow Failed (RFC 5626 §7) — response forwarding (§16.7: every 2xx and its retransmissions, the best final
 * response with merged challenges, CANCEL of the other branches), CANCEL (§16.10), Timer C (§16.8), and stateless
 * forwarding of the ACK for a 2xx (§16.11). The harness's mock edge proxy and the embedded reference SUT both run
 * on it; what they supply, and the decision hooks at single RFC steps, are in proxy-hooks.ts.
 */
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
  RouteContext,
  TargetDecision,
} from './proxy-hooks';
import { uriTarget } from './targets';
import { localResponse, safe, trying } from './proxy-replies';
import { Branch, Lane, finalResponse, lanesOf } from './response-context';

// The types a ProxyCore is built with live in proxy-hooks.ts; importing them from here keeps working.
export type * from './proxy-hooks';

interface ProxyContext {
  stx: ServerTransaction;
  request: SipRequest;
  lanes: Lane[];
  failures: BranchFailure[];
  /** A final response went upstream (a 2xx — later 2xx still go — or the best response). */
  finalSent: boolean;
  cancelled: boolean;
  forwarded2xx: number;
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
    // §16.2, §17.2.1: a 100 Trying at once, so the caller's Timer A stops.
    const trying100 = this.decisions.sendTrying ? this.decisions.sendTrying(true) : true;
    if (req.method === 'INVITE' && trying100) await stx.respond(trying(stx.request)).catch(() => undefined);
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
      lanes: lanesOf(decision.targets),
      failures: [],
      finalSent: false,
      cancelled: false,
      forwarded2xx: 0,
      from: stx.flow,
    };
    this.contexts.set(stx, pc);
    stx.once('terminated', () => {
      for (const lane of pc.lanes) clearTimeout(lane.current?.timerC);
      this.contexts.delete(stx);
    });
    if (pc.lanes.length > 1) this.log(`forking ${req.method} in parallel to ${pc.lanes.length} targets`);
    if (pc.lanes.length === 0) await this.settle(pc);
    else await Promise.all(pc.lanes.map((lane) => this.tryNext(pc, lane)));
  }

  private async tryNext(pc: ProxyContext, lane: Lane): Promise<void> {
    const target = pc.cancelled || pc.finalSent ? undefined : lane.targets[lane.next++];
    if (!target) {
      lane.done = true;
      await this.settle(pc);
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
      this.log(`no next hop for ${target.label ?? fwd.uriText}: ${(e as Error).message}`);
      return this.onBranchFailure(pc, lane, { target, status: 503, cause: 'transport-error' });
    }
    let flow: Flow;
    try {
      flow = await this.tx.resolve(dest);
    } catch (e) {
      this.log(`cannot reach ${target.label ?? fwd.uriText}: ${(e as Error).message}`);
      return this.onBranchFailure(pc, lane, { target, status: 503, cause: 'transport-error' });
    }
    const rr = this.hooks.recordRoute?.(fwd, target, pc.from, flow);
    if (rr) fwd.prepend('Record-Route', rr);
    fwd.prepend('Via', this.tx.createVia(flow).toString());
    let ctx: ClientTransaction;
    try {
      ctx = await this.tx.sendRequest(fwd, { flow });
    } catch {
      return this.onBranchFailure(pc, lane, { target, status: 503, cause: 'transport-error' });
    }
    const branch: Branch = { lane, target, tx: ctx, cancelOwed: false, cancelSent: false, done: false };
    lane.current = branch;
    this.log(`${fwd.method} → ${target.label ?? fwd.uriText} on ${flow.id}`);
    ctx.on('response', (rx: Received<SipResponse>) => void this.onResponse(pc, branch, rx.message));
    ctx.on('timeout', () => void this.failBranch(pc, branch, { target, status: 408, cause: 'timeout' }));
    ctx.on(
      'transport-error',
      () => void this.failBranch(pc, branch, { target, status: 503, cause: 'transport-error' }),
    );
    if (fwd.method === 'INVITE') this.armTimerC(pc, branch);
  }

  /** §16.8: Timer C (more than 3 minutes) for an INVITE branch, set when it is forwarded and reset by each 1xx. */
  private armTimerC(pc: ProxyContext, branch: Branch): void {
    clearTimeout(branch.timerC);
    branch.timerC = setTimeout(() => void this.timerC(pc, branch), this.opts.timerCMs ?? 180_000);
  }

  /**
   * §16.8: Timer C fired — CANCEL the branch if it had a provisional response (§9.1: never before one), and treat
   * it as if it had answered 408.
   */
  private async timerC(pc: ProxyContext, branch: Branch): Promise<void> {
    if (branch.done || pc.finalSent) return;
    if (branch.tx.state === 'proceeding') await this.sendCancel(branch);
    await this.failBranch(pc, branch, { target: branch.target, status: 408, cause: 'timeout' });
  }

  private async onResponse(pc: ProxyContext, branch: Branch, res: SipResponse): Promise<void> {
    const status = res.status;
    if (status < 200) {
      // §9.1: a CANCEL owed to a branch goes out once it is proceeding (any provisional response).
      if (branch.cancelOwed && !branch.cancelSent) await this.sendCancel(branch);
      if (status === 100) return; // §16.7 step 3: 100 is not forwarded
      // §16.8: a provisional response other than 100 resets Timer C.
      if (pc.request.method === 'INVITE' && !branch.done && !pc.finalSent) this.armTimerC(pc, branch);
      if (!pc.finalSent) await this.forward(pc.stx, res);
      return;
    }
    if (status < 300) {
      clearTimeout(branch.timerC);
      branch.done = true;
      branch.lane.done = true;
      // §16.7 step 5: every 2xx is forwarded (RFC 6026 §7.2: its retransmissions too).
      const up = this.decide2xx(res, pc.forwarded2xx === 0);
      if (!up) return;
      const first = pc.forwarded2xx === 0;
      pc.forwarded2xx++;
      pc.finalSent = true;
      await this.forward(pc.stx, up);
      // §16.7 step 10: a final response went upstream — CANCEL every other pending branch.
      if (first) await this.cancelOthers(pc, branch.lane, '2xx');
      return;
    }
    if (branch.done) return;
    await this.failBranch(pc, branch, { target: branch.target, status, cause: 'response', response: res });
  }

  private async failBranch(pc: ProxyContext, branch: Branch, failure: BranchFailure): Promise<void> {
    if (branch.done) return;
    branch.done = true;
    clearTimeout(branch.timerC);
    await this.onBranchFailure(pc, branch.lane, failure);
  }

  private async onBranchFailure(pc: ProxyContext, lane: Lane, failure: BranchFailure): Promise<void> {
    pc.failures.push(failure);
    if (pc.finalSent) {
      lane.done = true;
      return;
    }
    // §16.7 step 5: a 6xx ends the search — CANCEL the other branches; it is the best response when they end.
    if (failure.status >= 600) {
      lane.done = true;
      lane.endedRetryable = false;
      await this.cancelOthers(pc, lane, '6xx');
      await this.settle(pc);
      return;
    }
    const rfcRetry = this.hooks.retry
      ? this.hooks.retry(failure)
      : failure.status === 430 || failure.cause !== 'response';
    const retry =
      !pc.cancelled && (this.decisions.tryNextTarget ? this.decisions.tryNextTarget(rfcRetry, failure) : rfcRetry);
    lane.endedRetryable = retry;
    if (retry && lane.next < lane.targets.length) {
      this.log(
        `branch to ${failure.target.label ?? '?'} failed (${failure.status} ${failure.cause}); trying the next target (RFC 5626 §7)`,
      );
      await this.tryNext(pc, lane);
      return;
    }
    lane.done = true;
    await this.settle(pc);
  }

  /** §16.7 step 6: once every branch has ended without a 2xx, the best response goes upstream. */
  private async settle(pc: ProxyContext): Promise<void> {
    if (pc.finalSent || pc.lanes.some((l) => !l.done)) return;
    const final = finalResponse(pc.lanes, pc.failures, this.hooks, this.decisions);
    if (!final) this.log('every target failed; a decision hook chose to send nothing upstream');
    else if ('response' in final) {
      pc.finalSent = true;
      await this.forward(pc.stx, final.response);
    } else await this.forwardFinal(pc, final.status, final.reason);
  }

  /** CANCELs the pending branches of every lane but `except`, and stops those lanes trying further targets. */
  private async cancelOthers(pc: ProxyContext, except: Lane, why: '2xx' | '6xx'): Promise<void> {
    const pending = pc.lanes.filter((l) => l !== except && !l.done);
    if (pending.length === 0) return;
    const cancel = this.decisions.cancelOtherBranches ? this.decisions.cancelOtherBranches(true, why) : true;
    if (!cancel) {
      this.log(`a ${why} arrived; a decision hook chose not to cancel the ${pending.length} other branch(es)`);
      return;
    }
    for (const lane of pending) {
      lane.next = lane.targets.length;
      if (lane.current && !lane.current.done) await this.cancelBranch(lane.current);
    }
  }

  /** §9.1: CANCEL a branch now if it is proceeding, else as soon as its first provisional response arrives. */
  private async cancelBranch(branch: Branch): Promise<void> {
    if (branch.cancelSent) return;
    if (branch.tx.state === 'proceeding') await this.sendCancel(branch);
    else branch.cancelOwed = true;
  }

  private async forwardFinal(pc: ProxyContext, status: number, reason?: string): Promise<void> {
    if (pc.finalSent) return;
    pc.finalSent = true;
    for (const lane of pc.lanes) clearTimeout(lane.current?.timerC);
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
    await stx.respond(localResponse(stx.request, status, reason, headers)).catch(() => undefined);
  }

  /** §16.10: answer the CANCEL and cancel every pending branch; their 487s then make the best response. */
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
    const pending = pc.lanes.filter((l) => !l.done);
    for (const lane of pending) {
      lane.next = lane.targets.length;
      if (lane.current && !lane.current.done) await this.cancelBranch(lane.current);
    }
    // Nothing left to cancel (every branch ended, or none started): the 487 comes from us (§16.10).
    if (pending.every((l) => !l.current || l.current.done) && !pc.finalSent) await this.forwardFinal(pc, 487);
  }

  private async sendCancel(branch: Branch): Promise<void> {
    branch.cancelSent = true;
    await this.tx.sendRequest(cancelFor(branch.tx.request), { flow: branch.tx.flow }).catch(() => undefined);
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
    for (const pc of this.contexts.values()) for (const lane of pc.lanes) clearTimeout(lane.current?.timerC);
    this.contexts.clear();
  }
}

/** The next hop of a request: its top Route (loose routing) or its Request-URI (§16.6 step 7, §16.12). */
export function nextHop(req: SipRequest): Target {
  const route = req.routes[0];
  return uriTarget(route ? route.uri : req.uri);
}
