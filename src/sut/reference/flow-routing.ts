/**
 * Flow routing of the reference SUT's edge (RFC 5626 §5.3, RFC 3327): flow tokens in the user part of our
 * Record-Route and Path URIs name the flow toward a UA, so requests (and the ACK for a 2xx) that carry one go on
 * that flow; a token that fails its check gets 403, one whose flow is gone 430.
 */
import type { BindingStore } from '../../agent/bindings';
import type { FlowTokens } from '../../agent/flow-token';
import type { ProxyTarget, TargetDecision } from '../../agent/proxy-core';
import type { SipRequest } from '../../sip/message';
import type { SipUri } from '../../sip/uri';
import type { Target } from '../../transaction/transaction';
import type { TransportLayer } from '../../transport/transport-layer';
import type { Endpoint, Flow, TransportProtocol } from '../../transport/types';
import { TransportError, formatEndpoint } from '../../transport/types';

export type NodeRole = 'edge' | 'registrar';

/** Dialog-forming methods get Record-Route (§16.6 step 4; RFC 6665 for SUBSCRIBE, RFC 3515 for REFER). */
const DIALOG_FORMING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

/** What our flow tokens look like (FlowTokens: base64url flow id, '.', 12-byte HMAC in base64url). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16}$/;

/** The node a FlowRouting works for. */
export interface RoutingNode {
  readonly role: NodeRole;
  readonly transport: TransportLayer;
  address(transport: TransportProtocol): Endpoint;
}

export class FlowRouting {
  constructor(
    private readonly node: RoutingNode,
    private readonly tokens: FlowTokens,
    private readonly store: BindingStore,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * §16.5 with RFC 5626 §5.3: a Route we removed whose user part is one of our flow tokens sends the request on
   * that flow (403 for a token that fails its check, 430 when its flow is gone). undefined: no token applies.
   */
  tokenTargets(popped: readonly SipUri[], from: Flow): TargetDecision | undefined {
    for (const uri of popped) {
      // Only the edge issues flow tokens; a user part without a token's shape is just part of our URI.
      if (!this.mayBeToken(uri)) continue;
      const t = this.tokens.decode(uri.user!);
      if (!t.ok) {
        this.log(`flow token in ${uri.toString()} is ${t.reason}: 403 (RFC 5626 §5.3)`);
        return { status: 403, reason: `Forbidden (${t.reason} flow token)` };
      }
      // The UA's own outgoing request carries the token of the flow it came on: route it normally.
      if (t.flowId === from.id) continue;
      const flow = this.node.transport.getFlow(t.flowId);
      if (!flow || flow.closed) {
        this.log(`flow ${t.flowId} of the token is gone: 430 (RFC 5626 §5.3)`);
        return { status: 430, reason: 'Flow Failed' };
      }
      return { targets: [{ target: { flow }, label: `flow ${flow.id}` }] };
    }
    return undefined;
  }

  /**
   * §16.11 with RFC 5626 §5.3: the flow a token among the ACK's removed Routes names (undefined: none does).
   * Throws TransportError when that flow is gone.
   */
  ackTarget(popped: readonly SipUri[], arrivedOn: Flow): Target | undefined {
    for (const uri of popped) {
      if (!this.mayBeToken(uri)) continue;
      const t = this.tokens.decode(uri.user!);
      if (!t.ok || t.flowId === arrivedOn.id) continue;
      const flow = this.node.transport.getFlow(t.flowId);
      if (flow && !flow.closed) return { flow };
      throw new TransportError(`flow ${t.flowId} of the ACK's flow token is gone`);
    }
    return undefined;
  }

  /** RFC 3327 §4.2 / RFC 5626 §5.1: a REGISTER the edge forwards elsewhere gets our Path, with its flow's token. */
  addPath(req: SipRequest, from: Flow): void {
    if (req.method === 'REGISTER' && this.node.role === 'edge' && req.optionTags('supported').includes('path'))
      req.prepend('Path', `<${this.uriFor(from, true)};lr;ob>`);
  }

  /** §16.6 step 4: Record-Route on dialog-forming requests; at the edge with flow tokens (RFC 5626 §5.3). */
  recordRoute(req: SipRequest, target: ProxyTarget, from: Flow, to: Flow): string | undefined {
    if (!DIALOG_FORMING.has(req.method)) return undefined;
    const edge = this.node.role === 'edge';
    const toToken = edge && !!target.target && 'flow' in target.target;
    const fromToken = edge && this.isBindingFlow(from);
    // Toward the callee first (the top Record-Route is the one nearest the callee); two entries when the sides
    // differ (transport or token), so each side finds a URI it can reach and a token for the flow toward it.
    const calleeSide = `<${this.uriFor(to, toToken)};lr>`;
    const callerSide = `<${this.uriFor(from, fromToken)};lr>`;
    return calleeSide === callerSide ? calleeSide : `${calleeSide}, ${callerSide}`;
  }

  /** A Route through a co-located edge at `edge` to one of its flows, with the flow's token (as if in a Path). */
  edgeRoute(flow: Flow, edge: Endpoint): string {
    return `<sip:${this.tokens.encode(flow.id)}@${formatEndpoint(edge)};lr>`;
  }

  /** Our URI on a flow's transport, with the flow's token as user part when asked. */
  private uriFor(flow: Flow, token: boolean): string {
    const l = this.node.address(flow.transport);
    const host = l.address.includes(':') ? `[${l.address}]` : l.address;
    const user = token ? `${this.tokens.encode(flow.id)}@` : '';
    const tp = flow.transport === 'udp' ? '' : `;transport=${flow.transport}`;
    return `sip:${user}${host}:${l.port}${tp}`;
  }

  private mayBeToken(uri: SipUri): boolean {
    return uri.user !== undefined && this.node.role === 'edge' && TOKEN_SHAPE.test(uri.user);
  }

  private isBindingFlow(flow: Flow): boolean {
    return this.store.all().some((b) => b.flow?.id === flow.id && b.path.length === 0);
  }
}
