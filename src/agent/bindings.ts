/**
 * Registrar bindings: RFC 3261 §10.3 (steps 5–8: AOR, `*`, expiry with Min-Expires, Call-ID/CSeq ordering, the
 * 200 listing every binding) with RFC 5626 §6 (bindings keyed by AOR + instance-id + reg-id, Path stored,
 * `Require: outbound`). Shared by the harness's mock registrar and the embedded reference SUT, so both apply one
 * reading of the RFC.
 */
import { NameAddr, contactExpires } from '../sip/fields';
import { SipRequest } from '../sip/message';
import { SipUri } from '../sip/uri';
import type { Flow } from '../transport/types';

export interface Binding {
  aor: string;
  contact: NameAddr;
  /** The Contact URI as text, the key for plain bindings (§10.3 step 7, URI comparison simplified to text). */
  uri: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  q: number;
  /** RFC 5626 `+sip.instance`, unquoted. */
  instance?: string;
  /** RFC 5626 `reg-id`. */
  regId?: number;
  /** Path header values, in order (RFC 3327). */
  path: string[];
  /** The flow the REGISTER arrived on (used when the registrar is also the edge, RFC 5626 §5.3). */
  flow?: Flow;
  /** When the binding was made or last refreshed (ms since epoch). */
  updatedAt: number;
}

export interface BindingPolicy {
  /** §10.3 step 7: a shorter non-zero expiry gets 423 with Min-Expires. */
  minExpires?: number;
  /** Longer expiries are cut down to this. */
  maxExpires?: number;
  /** Expiry when the REGISTER names none (§10.3 step 7: locally configured default). */
  defaultExpires?: number;
  /** Apply RFC 5626 §6 when the Contact has +sip.instance and reg-id. */
  outbound?: boolean;
  /** Extension points at single steps of §10.3 (identity when absent). */
  decisions?: Partial<BindingDecisions>;
}

/**
 * Extension points at single steps of §10.3: each receives the outcome the RFC prescribes (first argument) and
 * returns the outcome to apply.
 */
export interface BindingDecisions {
  /** §10.2.2, §10.3 steps 6–7: whether an expiry of 0 (a Contact's, or `*` with Expires: 0) removes bindings. */
  removeOnZeroExpiry(remove: boolean, aor: string): boolean;
  /**
   * §10.3 step 7: whether a REGISTER for an existing binding (same Contact URI, or same instance and reg-id)
   * replaces it; false keeps the old one beside the new.
   */
  replaceOnRefresh(replace: boolean, existing: Binding, incoming: Binding): boolean;
}

export type RegisterOutcome =
  | { status: 200; bindings: Binding[]; outbound: boolean }
  | { status: number; reason?: string; headers: Array<[string, string | number]>; message: string };

export class BindingStore {
  private readonly byAor = new Map<string, Binding[]>();

  constructor(
    private readonly policy: BindingPolicy = {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Current (unexpired) bindings of an AOR, highest q first, then most recently updated. */
  lookup(aor: string): Binding[] {
    this.expire(aor);
    return [...(this.byAor.get(aor) ?? [])].sort((a, b) => b.q - a.q || b.updatedAt - a.updatedAt);
  }

  all(): Binding[] {
    const out: Binding[] = [];
    for (const aor of this.byAor.keys()) out.push(...this.lookup(aor));
    return out;
  }

  remove(b: Binding): void {
    const list = this.byAor.get(b.aor);
    if (!list) return;
    const idx = list.indexOf(b);
    if (idx >= 0) list.splice(idx, 1);
    if (list.length === 0) this.byAor.delete(b.aor);
  }

  /** Drops every binding that arrived on a flow (the flow failed: RFC 5626 §7 when registrar and edge are one). */
  removeFlow(flowId: string): Binding[] {
    const gone: Binding[] = [];
    for (const b of this.all())
      if (b.flow?.id === flowId) {
        this.remove(b);
        gone.push(b);
      }
    return gone;
  }

  clear(): void {
    this.byAor.clear();
  }

  private expire(aor: string): void {
    const list = this.byAor.get(aor);
    if (!list) return;
    const t = this.now();
    const live = list.filter((b) => b.expiresAt > t);
    if (live.length) this.byAor.set(aor, live);
    else this.byAor.delete(aor);
  }

  /** Seconds a binding has left, as the 200's Contact expires parameter reports it (§10.3 step 8). */
  remaining(b: Binding): number {
    return Math.max(0, Math.round((b.expiresAt - this.now()) / 1000));
  }

  /**
   * Applies a REGISTER (§10.3 steps 5–7) atomically: either every Contact is applied, or none and an error
   * outcome says why. `flow` is where it arrived.
   */
  register(req: SipRequest, flow?: Flow): RegisterOutcome {
    const to = req.to.uri;
    if (to.kind !== 'sip')
      return fail(404, `To URI ${to.toString()} is not a SIP URI; no such address of record (§10.3 step 5)`);
    const aor = (to as SipUri).aor();
    const callId = req.callId;
    const cseq = req.cseq.seq;
    const headerExpires = req.expires;
    const contacts = req.getAll('contact');
    const existing = (this.expire(aor), this.byAor.get(aor) ?? []);
    const working = existing.map((b) => ({ ...b }));

    if (contacts.length === 0) return { status: 200, bindings: this.lookup(aor), outbound: false };

    if (contacts.some((c) => c.trim() === '*'))
      return this.removeAll(aor, working, { callId, cseq, single: contacts.length === 1, expires: headerExpires });

    let usedOutbound = false;
    const pathValues = req.getAll('path');
    const next: Binding[] = working;
    for (const na of req.contacts) {
      let expires = contactExpires(na) ?? headerExpires ?? this.policy.defaultExpires ?? 3600;
      if (expires !== 0 && this.policy.minExpires !== undefined && expires < this.policy.minExpires) {
        return fail(423, `expiry ${expires} s is below the minimum ${this.policy.minExpires} s (§10.3 step 7)`, [
          ['Min-Expires', this.policy.minExpires],
        ]);
      }
      if (this.policy.maxExpires !== undefined && expires > this.policy.maxExpires) expires = this.policy.maxExpires;
      const instance = na.params.getUnquoted('+sip.instance') ?? undefined;
      const regIdText = na.params.get('reg-id');
      const regId = regIdText ? Number(regIdText) : undefined;
      const outbound = !!(this.policy.outbound && instance && regId !== undefined);
      if (outbound) usedOutbound = true;
      const uri = na.uri.toString();
      const idx = next.findIndex((b) =>
        outbound
          ? b.instance === instance && b.regId === regId
          : b.uri === uri && (b.regId === undefined || !this.policy.outbound),
      );
      const found = idx >= 0 ? next[idx] : undefined;
      if (found && found.callId === callId && cseq <= found.cseq) {
        return fail(
          500,
          `CSeq ${cseq} is not higher than ${found.cseq} for this binding's Call-ID (§10.3 step 7: out of order)`,
          [['Retry-After', 1]],
        );
      }
      if (expires === 0) {
        if (idx >= 0 && this.removesOnZeroExpiry(aor)) next.splice(idx, 1);
        continue;
      }
      const contact = na.clone();
      contact.params.delete('expires');
      const binding: Binding = {
        aor,
        contact,
        uri,
        expiresAt: this.now() + expires * 1000,
        callId,
        cseq,
        q: qValue(na),
        instance,
        regId: outbound ? regId : undefined,
        path: pathValues,
        flow,
        updatedAt: this.now(),
      };
      if (idx >= 0 && this.replacesOnRefresh(next[idx]!, binding)) next[idx] = binding;
      else next.push(binding);
    }
    if (next.length) this.byAor.set(aor, next);
    else this.byAor.delete(aor);
    return { status: 200, bindings: this.lookup(aor), outbound: usedOutbound };
  }

  /** §10.3 step 6: `Contact: *` removes every binding of the AOR, only alone and only with Expires: 0. */
  private removeAll(
    aor: string,
    existing: Binding[],
    req: { callId: string; cseq: number; single: boolean; expires: number | undefined },
  ): RegisterOutcome {
    if (!req.single || req.expires !== 0)
      return fail(400, 'Contact "*" must be the only Contact and come with Expires: 0 (§10.3 step 6)');
    for (const b of existing) {
      if (b.callId === req.callId && req.cseq <= b.cseq)
        return fail(500, `CSeq ${req.cseq} is not higher than ${b.cseq} for Call-ID ${req.callId} (§10.3 step 6)`, [
          ['Retry-After', 1],
        ]);
    }
    if (this.removesOnZeroExpiry(aor)) this.byAor.delete(aor);
    return { status: 200, bindings: this.lookup(aor), outbound: false };
  }

  private removesOnZeroExpiry(aor: string): boolean {
    return this.policy.decisions?.removeOnZeroExpiry?.(true, aor) ?? true;
  }

  private replacesOnRefresh(existing: Binding, incoming: Binding): boolean {
    return this.policy.decisions?.replaceOnRefresh?.(true, existing, incoming) ?? true;
  }

  /** The Contact values of a 200 to REGISTER: every binding with its remaining expiry (§10.3 step 8). */
  contactHeaders(bindings: Binding[]): string[] {
    return bindings.map((b) => {
      const c = b.contact.clone();
      c.params.set('expires', String(this.remaining(b)));
      return c.toString();
    });
  }
}

function fail(status: number, message: string, headers: Array<[string, string | number]> = []): RegisterOutcome {
  return { status, headers, message };
}

function qValue(na: NameAddr): number {
  const q = na.params.get('q');
  const n = q ? Number(q) : 1;
  return Number.isFinite(n) ? n : 1;
}
