/**
 * The harness as an RFC 5626 edge proxy (§5) in front of a SUT registrar / authoritative proxy: it forwards
 * REGISTERs from user agents' flows with a Path naming the flow (a flow token, `;ob`), and forwards requests that
 * come back through that Path onto the flow — or answers 430 Flow Failed (§5.3) when the flow is gone or when
 * the check says so, which is how a check drives the SUT's failover (§7).
 */
import type { SipRequest } from '../sip/message';
import { SipUri } from '../sip/uri';
import type { ServerTransaction } from '../transaction/server-transaction';
import type { Received, Target } from '../transaction/transaction';
import type { Flow, TransportProtocol } from '../transport/types';
import { FlowTokens } from './flow-token';
import { ProxyCore, TargetDecision } from './proxy-core';
import { SipAgent } from './sip-agent';

export interface EdgeOptions {
  /** The SUT's registrar / authoritative proxy. */
  registrar: Target;
  /** Transport toward user agents (default tcp). */
  uaTransport?: TransportProtocol;
}

export class MockEdgeProxy {
  readonly tokens = new FlowTokens();
  readonly proxy: ProxyCore;
  /** Flow ids whose next request is answered 430 (§5.3), then forgotten. */
  private readonly fail430Once = new Set<string>();
  /** Answer 430 for every request toward these flows. */
  private readonly fail430Always = new Set<string>();
  /** Answer 430 to the first request routed to any flow (whichever the SUT picks). */
  failFirstRouted = false;
  /** Requests routed back through the Path, with the flow they were for and what the edge did. */
  readonly routed: Array<{ method: string; flowId: string; action: 'forwarded' | '430' | '403'; at: number }> = [];

  constructor(
    readonly agent: SipAgent,
    readonly opts: EdgeOptions,
  ) {
    this.proxy = new ProxyCore(agent.tx, {
      isOwn: (uri) => this.isOwn(uri),
      targets: (req, ctx) => this.targets(req, ctx.poppedRoutes),
      prepare: (req, from) => {
        if (req.method !== 'REGISTER') return;
        // §5.1, §5.2: the Path names the flow the REGISTER arrived on, with `ob`.
        req.prepend('Path', this.pathUri(from));
        if (!req.optionTags('supported').includes('path')) req.append('Supported', 'path');
      },
    });
    // The edge handles every request itself: none reaches the agent's inbox.
    agent.tx.removeAllListeners('request');
    agent.tx.removeAllListeners('ack');
    agent.tx.on('request', (stx: ServerTransaction) => {
      if (stx.method === 'CANCEL') void this.proxy.handleCancel(stx);
      else void this.proxy.handle(stx);
    });
    agent.tx.on(
      'ack',
      (rx: Received<SipRequest>) => void this.proxy.forwardAck(rx, (popped) => this.flowTarget(popped)),
    );
  }

  static async create(
    name: string,
    opts: EdgeOptions & { trace: SipAgent['trace']; timers: SipAgent['timers']; host?: string },
  ): Promise<MockEdgeProxy> {
    const ua = opts.uaTransport ?? 'tcp';
    const toSut = 'flow' in opts.registrar ? opts.registrar.flow.transport : opts.registrar.transport;
    const listen = [...new Set<TransportProtocol>([ua, toSut])];
    const agent = await SipAgent.create({ name, trace: opts.trace, timers: opts.timers, listen, host: opts.host });
    return new MockEdgeProxy(agent, opts);
  }

  /** Where user agents send their REGISTERs. */
  uaTarget(): Target {
    const t = this.opts.uaTransport ?? 'tcp';
    return { remote: this.agent.address(t), transport: t };
  }

  /** Answer the next request for this flow with 430 (once), or always. */
  fail430(flow: Flow, always = false): void {
    (always ? this.fail430Always : this.fail430Once).add(flow.id);
  }

  private isOwn(uri: SipUri): boolean {
    return this.agent.transport.listeners().some((l) => l.local.port === uri.port && l.local.address === uri.hostname);
  }

  private pathUri(flow: Flow): string {
    const t = 'flow' in this.opts.registrar ? this.opts.registrar.flow.transport : this.opts.registrar.transport;
    const a = this.agent.address(t);
    const host = a.address.includes(':') ? `[${a.address}]` : a.address;
    const tp = t === 'udp' ? '' : `;transport=${t}`;
    return `<sip:${this.tokens.encode(flow.id)}@${host}:${a.port}${tp};lr;ob>`;
  }

  private flowTarget(popped: SipUri[]): Target | undefined {
    const token = popped.find((u) => u.user)?.user;
    if (!token) return undefined;
    const r = this.tokens.decode(token);
    if (!r.ok) return undefined;
    const flow = this.agent.transport.getFlow(r.flowId);
    return flow && !flow.closed ? { flow } : undefined;
  }

  private targets(req: SipRequest, popped: SipUri[]): TargetDecision {
    const token = popped.find((u) => u.user)?.user;
    if (!token) {
      if (req.method !== 'REGISTER') return { status: 404, reason: 'Not Found (no flow token)' };
      // §5.1: a REGISTER from a UA flow goes to the registrar with a Path naming that flow, with `ob` (§5.2).
      return { targets: [{ target: this.opts.registrar, label: 'registrar' }] };
    }
    const at = performance.now();
    const r = this.tokens.decode(token);
    if (!r.ok) {
      this.routed.push({ method: req.method, flowId: '?', action: '403', at });
      return { status: 403, reason: 'Forbidden (bad flow token)' };
    }
    const flow = this.agent.transport.getFlow(r.flowId);
    const failNow =
      this.fail430Always.has(r.flowId) ||
      this.fail430Once.delete(r.flowId) ||
      (this.failFirstRouted && this.routed.length === 0 && req.method === 'INVITE');
    if (!flow || flow.closed || failNow) {
      this.routed.push({ method: req.method, flowId: r.flowId, action: '430', at });
      return { status: 430, reason: 'Flow Failed' };
    }
    this.routed.push({ method: req.method, flowId: r.flowId, action: 'forwarded', at });
    return { targets: [{ target: { flow }, label: `flow ${flow.id}` }] };
  }

  close(): Promise<void> {
    this.proxy.close();
    return this.agent.close();
  }
}
