/**
 * What a reference-SUT node does with a request besides proxying it: SUBSCRIBEs its presence notifier serves
 * (presence.ts), and the node's request decisions (request-decisions.ts) that faults may override — Record-Route on
 * dialog-forming requests (§16.6 step 4), answering a request itself, forwarding an exhausted Max-Forwards (§16.3
 * step 3), the header fields of its own 200 to OPTIONS (§11.2).
 */
import type { TargetDecision } from '../../agent/proxy-hooks';
import type { RequestRejection } from '../../agent/request-validation';
import { uriTarget } from '../../agent/targets';
import type { SipRequest } from '../../sip/message';
import type { SipUri } from '../../sip/uri';
import type { ServerTransaction } from '../../transaction/server-transaction';
import type { TransactionLayer } from '../../transaction/transaction-layer';
import type { Endpoint, TransportProtocol } from '../../transport/types';
import { PresenceOptions, PresenceService } from './presence';
import type { RequestDecisions } from './request-decisions';
import type { SutShared } from './sut-node';

/** What a node gives its OwnRequests. */
export interface NodeParts {
  tx: TransactionLayer;
  shared: Pick<SutShared, 'registrar' | 'hooks'>;
  log(line: string): void;
  address(transport: TransportProtocol): Endpoint;
  isDomain(uri: SipUri): boolean;
  respond(stx: ServerTransaction, status: number): Promise<void>;
}

export class OwnRequests {
  /** The notifier of the presence event package (RFC 6665, RFC 3856) for AORs of the domain with no binding. */
  readonly presence: PresenceService;

  constructor(
    presence: PresenceOptions,
    private readonly decisions: Partial<RequestDecisions>,
    private readonly log: (line: string) => void,
    private readonly respond: (stx: ServerTransaction, status: number) => Promise<void>,
  ) {
    this.presence = new PresenceService(presence);
  }

  /**
   * Takes the request when it is the node's own (`addressedHere`: no Route left to follow): a SUBSCRIBE for its
   * notifier, or one a fault answers here. Otherwise leaves it to the proxy, and returns false.
   */
  static forNode(n: NodeParts): OwnRequests {
    const reg = n.shared.registrar;
    const presence: PresenceOptions = {
      tx: n.tx,
      address: n.address,
      isDomain: n.isDomain,
      hasBinding: (aor) => reg.store.lookup(aor).length > 0,
      maxExpires: 3600,
      ...(reg.digest && reg.users ? { digest: reg.digest, users: reg.users } : {}),
      decisions: n.shared.hooks.presence,
      log: n.log,
    };
    return new OwnRequests(presence, n.shared.hooks.requests, n.log, n.respond);
  }

  async take(stx: ServerTransaction, addressedHere: boolean): Promise<boolean> {
    const req = stx.request;
    if (addressedHere && this.presence.claims(req)) {
      await this.presence.handle(stx);
      return true;
    }
    const own = this.decide('answerItself', undefined, req);
    if (own !== undefined) {
      this.log(`(fault) ${req.method} answered ${own} here, not routed`);
      await this.respond(stx, own);
      return true;
    }
    // §16.3 step 3 belongs to the proxy core; a fault that forwards an exhausted request hands it over with a hop left.
    if (maxForwards(req) === 0 && !this.decide('maxForwardsExhausted', true, req)) req.set('Max-Forwards', 1);
    return false;
  }

  recordRoute(value: string | undefined, req: SipRequest): string | undefined {
    const decided = this.decide('recordRoute', value, req);
    if (value && !decided) this.log(`(fault) ${req.method} forwarded without Record-Route`);
    return decided;
  }

  rejectInvalid(rejection: RequestRejection | undefined, req: SipRequest): RequestRejection | undefined {
    const decided = this.decide('rejectInvalid', rejection, req);
    if (decided !== rejection)
      this.log(`(fault) ${req.method} answered ${decided?.status ?? 'not at all'} by validation`);
    return decided;
  }

  /**
   * §16.4: the proxy core removed the Route values naming this node (`popped`); those a fault keeps go back on top
   * of each target's routes, the next hop made explicit so the request still goes where the RFC sends it.
   */
  ownRoutesKept(decision: TargetDecision, popped: readonly SipUri[], req: SipRequest): TargetDecision {
    const kept = popped.filter((r) => !this.decide('ownRouteRemoved', true, r, req));
    if (kept.length === 0 || !('targets' in decision)) return decision;
    this.log(`(fault) ${req.method} forwarded with its Route to this proxy`);
    const routes = kept.map((r) => `<${r.toString()}>`);
    const targets = decision.targets.map((t) => ({
      ...t,
      routes: [...routes, ...(t.routes ?? [])],
      target: t.target ?? uriTarget(req.routes[0]?.uri ?? t.requestUri ?? req.uri, 'udp'),
    }));
    return { targets };
  }

  optionsHeaders(headers: Array<[string, string]>): Array<[string, string]> {
    return this.decide('optionsHeaders', headers);
  }

  close(): void {
    this.presence.close();
  }

  /** The outcome of one decision: the RFC's, unless a fault's hook overrides it. */
  private decide<K extends keyof RequestDecisions>(
    name: K,
    ...args: Parameters<RequestDecisions[K]>
  ): ReturnType<RequestDecisions[K]> {
    const hook = this.decisions[name] as ((...a: unknown[]) => unknown) | undefined;
    return (hook ? hook(...args) : args[0]) as ReturnType<RequestDecisions[K]>;
  }
}

function maxForwards(req: SipRequest): number | undefined {
  try {
    return req.maxForwards;
  } catch {
    return undefined;
  }
}
