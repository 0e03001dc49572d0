/**
 * The reference SUT's registrar (RFC 3261 §10.3 with RFC 5626 §6 and RFC 3327): turns one REGISTER into its final
 * response. Bindings live in the shared BindingStore (src/agent/bindings.ts), which applies steps 5–7; this module
 * does steps 1–4 (domain, Require, digest auth, authorization) and step 8 (the 200 with every binding), and decides
 * whether the outbound procedures of RFC 5626 apply.
 */
import { Binding, BindingStore } from '../../agent/bindings';
import { createResponse } from '../../sip/builders';
import { DigestServer } from '../../sip/digest';
import { NameAddr } from '../../sip/fields';
import { SipRequest, SipResponse } from '../../sip/message';
import { SipUri } from '../../sip/uri';
import type { Flow } from '../../transport/types';

/** Option tags this SUT understands (§8.2.2.3: anything else in Require gets 420). */
export const SUPPORTED_TAGS = ['outbound', 'path'];

/** Extension points at the registrar's decisions; each receives the RFC's outcome first. */
export interface RegistrarDecisions {
  /** §10.3 step 8 (with RFC 5626 §6, §4.4.1 and RFC 3327 §5.3): the header fields of the 200 to a REGISTER. */
  okHeaders(
    headers: Array<[string, string | number]>,
    outcome: { outbound: boolean },
  ): Array<[string, string | number]>;
}

export interface RegistrarContext {
  store: BindingStore;
  /** 'edge': the registrar is co-located with the edge proxy (RFC 5626 §5.3 + §6); 'registrar': a Path-using edge is in front. */
  role: 'edge' | 'registrar';
  decisions?: Partial<RegistrarDecisions>;
  digest?: DigestServer;
  users?: ReadonlyMap<string, string>;
  /** Strict accounts: the user each digest username belongs to, when they differ (an account's authUser). */
  owners?: ReadonlyMap<string, string>;
  /** AORs that had a binding at some time (404 vs 480 for requests to them). */
  everRegistered: Set<string>;
  /** RFC 5626 §4.4.1 Flow-Timer, seconds, sent when the registrar is also the edge. */
  flowTimer: number;
  /** Whether a URI's host (and port, when given) names this SUT's domain. */
  isDomain(uri: SipUri): boolean;
  log(line: string): void;
}

function reply(
  req: SipRequest,
  status: number,
  headers: Array<[string, string | number]> = [],
  reason?: string,
): SipResponse {
  return createResponse(req, status, { headers, ...(reason ? { reason } : {}) });
}

/** A Warning header (§20.43, code 399 "miscellaneous") that says why, for the human reading the trace. */
function warning(text: string): [string, string] {
  return ['Warning', `399 sipconf-sut "${text.replace(/["\\\r\n]/g, "'")}"`];
}

export function handleRegister(req: SipRequest, flow: Flow, ctx: RegistrarContext): SipResponse {
  // §10.3 step 2: every Require tag must be understood.
  const unsupported = req.optionTags('require').filter((t) => !SUPPORTED_TAGS.includes(t));
  if (unsupported.length) return reply(req, 420, [['Unsupported', unsupported.join(', ')]]);

  let to: NameAddr;
  let contacts: NameAddr[];
  try {
    to = req.to;
    contacts = req.contacts;
    void req.expires;
    void req.paths;
  } catch (e) {
    return reply(req, 400, [warning((e as Error).message)], 'Bad Request');
  }
  if (to.uri.kind !== 'sip')
    return reply(req, 404, [warning(`To ${to.uri.toString()} is not a SIP URI (§10.3 step 5)`)]);
  const toUri = to.uri;

  // §10.3 step 3 (§22): digest authentication when users are configured.
  if (ctx.digest && ctx.users) {
    const auth = req.get('authorization');
    if (!auth)
      return reply(
        req,
        401,
        ctx.digest.challenges().map((c) => ['WWW-Authenticate', c] as [string, string]),
      );
    const users = ctx.users;
    // A "*" account (the embedded SUT's) accepts any user name with its password, so fresh per-check users work.
    const verdict = ctx.digest.verify(auth, 'REGISTER', (u) => users.get(u) ?? users.get('*'), {
      requestUri: req.uriText,
    });
    if (!verdict.ok) {
      ctx.log(`REGISTER rejected: ${verdict.message}`);
      return reply(req, 401, [
        ...ctx.digest.challenges({ stale: verdict.stale }).map((c) => ['WWW-Authenticate', c] as [string, string]),
        warning(verdict.message),
      ]);
    }
    // §10.3 step 4: the authenticated user may only modify its own AOR.
    const owner = ctx.owners?.get(verdict.username) ?? verdict.username;
    if (owner !== toUri.userUnescaped)
      return reply(req, 403, [warning(`user ${verdict.username} may not register ${toUri.aor()} (§10.3 step 4)`)]);
  }

  // §10.3 step 5: the AOR must belong to our domain (and, with a user list, be a known user).
  if (!ctx.isDomain(toUri) || !toUri.user)
    return reply(req, 404, [warning(`${toUri.aor()} is not an address of record of this domain (§10.3 step 5)`)]);
  const known = (u: string) => !!ctx.users?.has(u) || [...(ctx.owners?.values() ?? [])].includes(u);
  if (ctx.users && !ctx.users.has('*') && !known(toUri.userUnescaped ?? ''))
    return reply(req, 404, [warning(`no user ${toUri.userUnescaped} (§10.3 step 5)`)]);

  // RFC 5626 §6: outbound applies when the first hop supports it — we are that hop (no Path, edge role) or the
  // topmost Path URI carries `ob`. Otherwise reg-id is ignored, and a UA that says it supports outbound learns
  // with 439 that its first hop does not.
  const paths = req.paths;
  const wantsOutbound = contacts.some((c) => c.params.has('reg-id') && c.params.has('+sip.instance'));
  const firstHopOutbound = paths.length > 0 ? !!paths[0]!.sipUri?.params.has('ob') : ctx.role === 'edge';
  let effective = req;
  if (wantsOutbound && !firstHopOutbound) {
    if (
      req.optionTags('supported').includes('outbound') &&
      contacts.some((c) => c.params.has('reg-id') && !hasExpiresZero(req, c))
    ) {
      return reply(
        req,
        439,
        [warning('the first hop did not add a Path with ;ob (RFC 5626 §6)')],
        'First Hop Lacks Outbound Support',
      );
    }
    effective = withoutRegId(req);
  }

  const outcome = ctx.store.register(effective, flow);
  if (outcome.status !== 200) {
    const o = outcome as Extract<typeof outcome, { message: string }>;
    ctx.log(`REGISTER ${toUri.aor()} → ${o.status}: ${o.message}`);
    return reply(req, o.status, [...o.headers, warning(o.message)], o.reason);
  }
  const ok = outcome as Extract<typeof outcome, { status: 200 }>;
  if (ok.bindings.length) ctx.everRegistered.add(toUri.aor());

  ctx.log(`REGISTER ${toUri.aor()} → 200 with ${ok.bindings.length} binding(s)${ok.outbound ? ' (outbound)' : ''}`);
  return reply(req, 200, okHeaders(req, ok, paths.length > 0, ctx));
}

/** §10.3 step 8: the 200 lists every current binding with its remaining expiry. */
function okHeaders(
  req: SipRequest,
  ok: { bindings: Binding[]; outbound: boolean },
  hasPath: boolean,
  ctx: RegistrarContext,
): Array<[string, string | number]> {
  const headers: Array<[string, string | number]> = [];
  for (const c of ctx.store.contactHeaders(ok.bindings)) headers.push(['Contact', c]);
  if (ok.outbound) {
    headers.push(['Require', 'outbound']);
    // RFC 5626 §4.4.1 / §5.4: the edge says how often it wants keep-alives.
    if (ctx.role === 'edge' && !hasPath) headers.push(['Flow-Timer', ctx.flowTimer]);
  }
  // RFC 3327 §5.3: the Path values are echoed in the 200 so the UA learns them.
  for (const p of req.getAll('path')) headers.push(['Path', p]);
  headers.push(['Supported', SUPPORTED_TAGS.join(', ')]);
  headers.push(['Date', new Date().toUTCString()]);
  return ctx.decisions?.okHeaders?.(headers, { outbound: ok.outbound }) ?? headers;
}

function hasExpiresZero(req: SipRequest, c: NameAddr): boolean {
  const e = c.params.get('expires');
  if (e !== undefined && e !== null) return Number(e) === 0;
  return req.expires === 0;
}

/** A copy of the REGISTER with reg-id removed from every Contact (RFC 5626 §6: the registrar ignores it). */
function withoutRegId(req: SipRequest): SipRequest {
  const copy = req.clone();
  const contacts = req.contacts.map((c) => {
    const n = c.clone();
    n.params.delete('reg-id');
    return n.toString();
  });
  copy.remove('contact');
  for (const c of contacts) copy.append('Contact', c);
  return copy;
}
