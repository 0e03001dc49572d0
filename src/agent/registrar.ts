/**
 * The harness as registrar and edge proxy for a user-agent SUT (RFC 3261 §10.3, RFC 5626 §5 and §6): a SipAgent
 * that answers every REGISTER it receives — 200 with the bindings (the shared BindingStore applies §10.3 steps 5–7
 * and RFC 5626 §6), `Require: outbound` and `Flow-Timer` when the UA used reg-id; or a 401 digest challenge, a 423
 * with Min-Expires, a 403 — and records each REGISTER with its arrival time and flow. As the edge it can kill the
 * UA's flow (FIN or RST) and answer requests on a flow with 430 Flow Failed.
 *
 *   const reg = await MockRegistrar.create({ listen: [{ transport: 'tcp', port }], grantExpires: 20 });
 *   const first = await reg.expectRegister({ within: 10_000 });
 *   reg.killFlow(first.flow);
 *   const again = await reg.expectRegister({ within: 65_000, match: (r) => r.flow.id !== first.flow.id });
 */
import { BindingStore, RegisterOutcome } from './bindings';
import { createResponse } from '../sip/builders';
import { DigestServer } from '../sip/digest';
import { SipRequest, SipResponse } from '../sip/message';
import { SipUri } from '../sip/uri';
import type { ServerTransaction } from '../transaction/server-transaction';
import type { TimerConfig } from '../transaction/timers';
import { Trace } from '../transport/trace';
import type { Flow, ListenOptions, TransportProtocol } from '../transport/types';
import { Duration, toMs } from './duration';
import { Inbox } from './expectation';
import { SipAgent } from './sip-agent';

/** How the registrar answers a REGISTER. */
export type RegisterAnswer =
  | { kind: 'accept' }
  /** 401 with a Digest challenge (RFC 3261 §22.4): the UA must retry with credentials. */
  | { kind: 'challenge' }
  /** 423 Interval Too Brief with Min-Expires (§10.3 step 7). */
  | { kind: 'too-brief'; minExpires: number }
  /** Any other final status (403, 430, 503 ...), with optional headers. */
  | { kind: 'status'; status: number; reason?: string; headers?: Array<[string, string | number]> };

export interface MockRegistrarOptions {
  name?: string;
  /** Listeners (default one TCP listener on 127.0.0.1, ephemeral port). */
  listen?: Array<TransportProtocol | ListenOptions>;
  host?: string;
  trace?: Trace;
  timers?: Partial<TimerConfig>;
  /** The domain of the AORs (default: any domain is accepted). */
  domain?: string;
  /** The expiry granted in the 200 (seconds), whatever the UA asked for (§10.3 step 7: the registrar may shorten it). */
  grantExpires?: number;
  /** A non-zero expiry below this gets 423 with Min-Expires (§10.3 step 7). */
  minExpires?: number;
  /** Flow-Timer sent in a 200 that used outbound (RFC 5626 §4.4.1, §5.4); default 25 s, 0 = none. */
  flowTimer?: number;
  /** With credentials, every REGISTER without valid ones is challenged (401, §22.4); user → password. */
  credentials?: Record<string, string>;
  realm?: string;
  /** Answer the UA's CRLF keep-alive pings with pongs (RFC 5626 §3.5.1); default true. Pings are flowEvents either way. */
  autoPong?: boolean;
}

/** One REGISTER as the registrar received it, and what it answered. */
export interface RecordedRegister {
  request: SipRequest;
  flow: Flow;
  /** Arrival, performance.now() ms. */
  at: number;
  /** Arrivals of this REGISTER and of its retransmissions (same branch; the server transaction absorbs them). */
  arrivals: readonly number[];
  /** The first Contact's RFC 5626 `+sip.instance` (unquoted, without <>) and `reg-id`, when present. */
  instance?: string;
  regId?: number;
  /** The expiry the UA asked for (Contact expires parameter, else Expires header). */
  requestedExpires?: number;
  /** The final response sent. Retransmissions of a REGISTER are absorbed by its server transaction (§17.2.2). */
  response?: SipResponse;
}

export class MockRegistrar {
  /** Every REGISTER received, in order (retransmissions included, marked). */
  readonly registers: RecordedRegister[] = [];
  readonly store: BindingStore;
  private readonly inbox = new Inbox<RecordedRegister>((r) => `REGISTER (CSeq ${r.request.cseq.seq}) on ${r.flow.id}`);
  private readonly queued: RegisterAnswer[] = [];
  private readonly failedFlows = new Map<string, number>();
  private readonly digest?: DigestServer;
  /** The default answer when nothing is queued. */
  answer: RegisterAnswer = { kind: 'accept' };

  private constructor(
    readonly agent: SipAgent,
    private readonly opts: MockRegistrarOptions,
  ) {
    this.store = new BindingStore({ outbound: true });
    if (opts.credentials)
      this.digest = new DigestServer({ realm: opts.realm ?? opts.domain ?? 'sipconf', algorithms: ['MD5'] });
    agent.tx.on('request', (t: ServerTransaction) => this.onRequest(t));
  }

  static async create(opts: MockRegistrarOptions = {}): Promise<MockRegistrar> {
    const agent = await SipAgent.create({
      name: opts.name ?? 'registrar',
      listen: opts.listen ?? ['tcp'],
      host: opts.host,
      trace: opts.trace,
      timers: opts.timers,
      domain: opts.domain,
      autoPong: opts.autoPong,
    });
    return new MockRegistrar(agent, opts);
  }

  get trace(): Trace {
    return this.agent.trace;
  }

  /** Answers the next REGISTER(s) this way, in order, before falling back to `answer`. */
  answerNext(...answers: RegisterAnswer[]): void {
    this.queued.push(...answers);
  }

  /** The next REGISTER (queued or arriving) that matches, within the bound. */
  expectRegister(opts: {
    within: Duration;
    match?: (r: RecordedRegister) => boolean;
    what?: string;
  }): Promise<RecordedRegister> {
    const ms = toMs(opts.within, this.agent.timers);
    return this.inbox.expect(
      (r) => !opts.match || opts.match(r),
      ms,
      `${this.agent.name} expected ${opts.what ?? 'a REGISTER'}`,
    );
  }

  /** Resolves when no (new) REGISTER arrives for `duration`; rejects naming the one that did. */
  expectNoRegister(duration: Duration, what = 'no REGISTER'): Promise<void> {
    const ms = toMs(duration, this.agent.timers);
    return this.inbox.expectNone(() => true, ms, `${this.agent.name} expected ${what} for ${ms} ms`);
  }

  /** REGISTERs received and not yet taken by expectRegister. */
  pending(): readonly RecordedRegister[] {
    return this.inbox.pending();
  }

  /**
   * Kills a flow as an edge proxy whose connection died: 'reset' sends an RST, 'close' a FIN (RFC 5626 §4.4: the
   * UA must notice and re-register on a new flow). The bindings that arrived on it are dropped (§7).
   */
  async killFlow(flow: Flow, how: 'reset' | 'close' = 'reset'): Promise<void> {
    this.store.removeFlow(flow.id);
    if (how === 'reset') flow.reset();
    else await flow.close();
  }

  /**
   * From now on, requests arriving on this flow (REGISTER included) are answered `status` (default 430 Flow
   * Failed, RFC 5626 §11.5) instead of being processed, as an edge that declared the flow failed.
   */
  failRequestsOn(flow: Flow, status = 430): void {
    this.failedFlows.set(flow.id, status);
  }

  /** The current bindings of an AOR. */
  bindings(aor: string) {
    return this.store.lookup(aor);
  }

  async close(): Promise<void> {
    this.inbox.clear();
    await this.agent.close();
  }

  // ---- answering ----------------------------------------------------------------------------------------------------

  private onRequest(t: ServerTransaction): void {
    const req = t.request;
    const failStatus = this.failedFlows.get(t.flow.id);
    if (req.method !== 'REGISTER') {
      if (failStatus !== undefined && req.method !== 'ACK')
        void t.respond(createResponse(req, failStatus)).catch(() => undefined);
      return;
    }
    const first = req.contacts[0];
    const instance = first?.params.getUnquoted('+sip.instance')?.replace(/^<|>$/g, '');
    const regIdText = first?.params.get('reg-id');
    const contactExpires = first?.params.get('expires');
    const rec: RecordedRegister = {
      request: req,
      flow: t.flow,
      at: t.arrivals[0]!,
      arrivals: t.arrivals,
      instance: instance ?? undefined,
      regId: regIdText ? Number(regIdText) : undefined,
      requestedExpires: contactExpires ? Number(contactExpires) : req.expires,
    };
    this.registers.push(rec);
    let res: SipResponse;
    try {
      res = failStatus !== undefined ? createResponse(req, failStatus) : this.decide(req, t.flow);
    } catch (e) {
      res = createResponse(req, 400, {
        headers: [['Warning', `399 sipconf "${(e as Error).message.replace(/["\\\r\n]/g, "'")}"`]],
      });
    }
    rec.response = res;
    this.inbox.push(rec);
    void t.respond(res).catch(() => undefined);
  }

  private decide(req: SipRequest, flow: Flow): SipResponse {
    const answer = this.queued.shift() ?? this.answer;
    if (answer.kind === 'status')
      return createResponse(req, answer.status, { reason: answer.reason, headers: answer.headers });
    if (answer.kind === 'too-brief') return createResponse(req, 423, { headers: [['Min-Expires', answer.minExpires]] });
    if (this.digest && this.opts.credentials) {
      const auth = req.get('authorization');
      const creds = this.opts.credentials;
      const verdict = auth
        ? this.digest.verify(auth, 'REGISTER', (u) => creds[u], { requestUri: req.uriText })
        : undefined;
      if (answer.kind === 'challenge' || !verdict?.ok) {
        return createResponse(req, 401, {
          headers: this.digest
            .challenges({ stale: verdict && !verdict.ok ? verdict.stale : undefined })
            .map((c) => ['WWW-Authenticate', c] as [string, string]),
        });
      }
    } else if (answer.kind === 'challenge') {
      throw new Error('challenge asked for, but the registrar has no credentials');
    }
    if (
      this.opts.domain &&
      req.to.uri.kind === 'sip' &&
      (req.to.uri as SipUri).host.toLowerCase() !== this.opts.domain.toLowerCase()
    ) {
      return createResponse(req, 404, {
        headers: [['Warning', `399 sipconf "not a domain of this registrar (RFC 3261 §10.3 step 5)"`]],
      });
    }
    // §10.3 step 7: a non-zero expiry shorter than the minimum gets 423, judged on what the UA asked for.
    const min = this.opts.minExpires;
    if (
      min !== undefined &&
      req.contacts.some((c) => {
        const e = Number(c.params.get('expires') ?? req.expires ?? 3600);
        return e !== 0 && e < min;
      })
    )
      return createResponse(req, 423, { headers: [['Min-Expires', min]] });
    const effective = this.opts.grantExpires !== undefined ? withExpires(req, this.opts.grantExpires) : req;
    const outcome: RegisterOutcome = this.store.register(effective, flow);
    if (outcome.status !== 200) {
      const o = outcome as Extract<RegisterOutcome, { message: string }>;
      return createResponse(req, o.status, {
        reason: o.reason,
        headers: [...o.headers, ['Warning', `399 sipconf "${o.message.replace(/["\\\r\n]/g, "'")}"`]],
      });
    }
    const ok = outcome as Extract<RegisterOutcome, { status: 200 }>;
    // §10.3 step 8: every current binding with its remaining expiry. The UA finds its own Contact among them by URI.
    const headers: Array<[string, string | number]> = this.store.contactHeaders(ok.bindings).map((c) => ['Contact', c]);
    if (ok.outbound) {
      headers.push(['Require', 'outbound']);
      const ft = this.opts.flowTimer ?? 25;
      if (ft > 0) headers.push(['Flow-Timer', ft]);
    }
    headers.push(['Supported', 'outbound, path']);
    headers.push(['Date', new Date().toUTCString()]);
    return createResponse(req, 200, { headers });
  }
}

/**
 * The REGISTER as if the UA had asked for `expires` on every non-zero Contact: how the registrar grants a
 * different expiry (§10.3 step 7 "the registrar MAY ... shorten"); removals (expires 0) stay removals.
 */
function withExpires(req: SipRequest, expires: number): SipRequest {
  if (req.getAll('contact').some((c) => c.trim() === '*')) return req;
  const copy = req.clone();
  const headerExpires = req.expires;
  const contacts = req.contacts.map((c) => {
    const n = c.clone();
    const asked = n.params.get('expires');
    const current = asked !== undefined && asked !== null ? Number(asked) : (headerExpires ?? 3600);
    if (current !== 0) n.params.set('expires', String(expires));
    return n.toString();
  });
  copy.remove('contact');
  for (const c of contacts) copy.append('Contact', c);
  return copy;
}
