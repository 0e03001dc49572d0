/**
 * The reference SUT's location service (RFC 3261 §16.5, §10; RFC 5626 §5.3, §7): the targets of a request to an
 * AOR of its domain, from the AOR's bindings, and the "every flow failed → 480" rule of RFC 5626 §7.
 */
import type { Binding } from '../../agent/bindings';
import type { BranchFailure, FinalStatus, ProxyTarget, TargetDecision } from '../../agent/proxy-core';
import { uriTarget } from '../../agent/targets';
import { parseNameAddr } from '../../sip/fields';
import type { SipUri } from '../../sip/uri';
import type { Target } from '../../transaction/transaction';
import type { Endpoint, Flow } from '../../transport/types';
import type { FlowRouting, NodeRole } from './flow-routing';
import type { RegistrarContext } from './registrar';

/** Extension points at the location service's decisions; each receives the RFC's outcome first. */
export interface LocationDecisions {
  /** §16.5, RFC 5626 §7: the targets (or a status) for the current bindings of an AOR. */
  targetsForBindings(
    decision: TargetDecision,
    context: { aor: string; bindings: readonly Binding[]; log(line: string): void },
  ): TargetDecision;
}

/** A node of the SUT, as the location service sees it: whose flows are whose. */
export interface LocatingNode {
  readonly role: NodeRole;
  ownsFlow(flow: Flow): boolean;
  address(transport: 'udp'): Endpoint;
}

export interface LocationContext {
  registrar: Pick<RegistrarContext, 'store' | 'everRegistered' | 'users'>;
  decisions: Partial<LocationDecisions>;
  /** Every node of the SUT (to find which one owns a binding's flow). */
  nodes: readonly LocatingNode[];
  log(line: string): void;
}

export class LocationService {
  /** Targets that are bindings, for the §16.7 step 6 / RFC 5626 §7 "all failed → 480". */
  private readonly bindingTargets = new WeakSet<ProxyTarget>();
  /** Targets that are RFC 5626 flows (a reg-id, or reached through an edge's Path). */
  private readonly flowTargets = new WeakSet<ProxyTarget>();

  constructor(
    private readonly self: LocatingNode,
    private readonly routing: FlowRouting,
    private readonly ctx: LocationContext,
  ) {}

  /** The bindings of the AOR → targets; none → 480 if it ever registered (or is a known user), else 404. */
  locate(uri: SipUri): TargetDecision {
    const aor = uri.aor();
    const bindings = this.ctx.registrar.store.lookup(aor);
    if (bindings.length === 0) {
      const known =
        this.ctx.registrar.everRegistered.has(aor) || !!this.ctx.registrar.users?.has(uri.userUnescaped ?? '');
      this.ctx.log(`${aor} has no binding: ${known ? 480 : 404}`);
      return known ? { status: 480, reason: 'Temporarily Unavailable' } : { status: 404 };
    }
    const targets = bindings.map((b) => this.bindingTarget(b));
    for (const [i, t] of targets.entries()) {
      this.bindingTargets.add(t);
      if (bindings[i]!.regId !== undefined || bindings[i]!.path.length > 0) this.flowTargets.add(t);
    }
    const decide = this.ctx.decisions.targetsForBindings;
    return decide ? decide({ targets }, { aor, bindings, log: this.ctx.log }) : { targets };
  }

  /**
   * RFC 5626 §7 / §16.7 step 6: when every flow (binding) failed, 480 Temporarily Unavailable. Plain bindings that
   * only timed out are left to §16.7 step 6 (a Timer B/F timeout counts as 408, §16.8), so the caller gets 408.
   */
  allFailed(failures: BranchFailure[]): FinalStatus | undefined {
    if (failures.every((f) => f.cause === 'timeout' && !this.flowTargets.has(f.target))) return undefined;
    if (
      failures.length > 0 &&
      failures.every((f) => this.bindingTargets.has(f.target) && (f.status === 430 || f.cause !== 'response'))
    ) {
      this.ctx.log(`every flow failed (${failures.map((f) => f.status).join(', ')}): 480`);
      return { status: 480, reason: 'Temporarily Unavailable' };
    }
    return undefined;
  }

  /**
   * The flows of one UA instance are alternatives (RFC 5626 §5.3: one at a time, the next when one fails); other
   * bindings are different UAs, forked to in parallel (RFC 3261 §16.6).
   */
  private bindingTarget(b: Binding): ProxyTarget {
    const target = this.bindingRoute(b);
    return { ...target, forkGroup: b.instance ?? b.contact.uri.toString() };
  }

  private bindingRoute(b: Binding): ProxyTarget {
    const label = `${b.aor} ${b.regId !== undefined ? `instance ${b.instance} reg-id ${b.regId}` : b.uri}`;
    const requestUri = b.contact.uri.kind === 'sip' ? b.contact.uri.clone() : b.contact.uri;
    if (b.path.length > 0) {
      // RFC 3327 §5.4 / RFC 5626 §7: the stored Path becomes the Route set; it leads to the edge proxy.
      const first = parseNameAddr(b.path[0]!, false).uri;
      let target: Target | undefined;
      try {
        target = uriTarget(first, b.flow?.transport === 'tls' ? 'tls' : (b.flow?.transport ?? 'udp'));
      } catch {
        target = undefined;
      }
      return { requestUri, routes: b.path, ...(target ? { target } : {}), label: `${label} via Path` };
    }
    if (b.flow && (b.regId !== undefined || b.flow.reliable)) {
      const owner = this.ctx.nodes.find((n) => n.ownsFlow(b.flow!));
      if (owner === this.self || !owner) {
        // RFC 5626 §5.3: the request goes on the flow the registration came on; a closed flow fails this branch.
        if (b.flow.closed && b.regId === undefined) return { requestUri, label };
        return { requestUri, target: { flow: b.flow }, label: `${label} on ${b.flow.id}` };
      }
      // A connection of the registrar-only listeners: reach the UA at its Contact instead.
      if (owner.role !== 'edge') return { requestUri, label };
      // The flow belongs to the co-located edge: route through it with its flow token (as if it had added Path).
      const via = owner.address('udp');
      return {
        requestUri,
        routes: [this.routing.edgeRoute(b.flow, via)],
        target: { remote: via, transport: 'udp' },
        label: `${label} via the edge`,
      };
    }
    return { requestUri, label };
  }
}
