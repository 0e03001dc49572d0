/**
 * The registering side of a UA (RFC 3261 §10.2) with RFC 5626 outbound (§4.2–§4.5): one registration per reg-id,
 * each on its own flow with its own Call-ID and CSeq (§4.2: "each flow... a different Call-ID"; Kamailio 5.6 also
 * wipes an instance's other flows when a known reg-id arrives with a new Call-ID), keep-alives per flow (§4.4),
 * re-registration of a failed flow with the same reg-id after the §4.5 back-off, and digest auth on 401/407.
 */
import { randomUUID } from 'node:crypto';
import { newCallId, newTag } from '../sip/builders';
import { DigestClient, selectChallenge } from '../sip/digest';
import { NameAddr } from '../sip/fields';
import { SipRequest, SipResponse } from '../sip/message';
import { SipUri, parseUri } from '../sip/uri';
import type { Target } from '../transaction/transaction';
import type { Received } from '../transaction/transaction';
import type { Flow, TransportProtocol } from '../transport/types';
import type { OutgoingRequest, SipAgent } from './sip-agent';

export interface BackoffTimes {
  /** §4.5 base-time when every flow failed, seconds (RFC default 30). */
  allFailedBaseTime: number;
  /** §4.5 base-time when some flow is still up, seconds (RFC default 90). */
  notFailedBaseTime: number;
  /** §4.5 max-time, seconds (RFC default 1800). */
  maxTime: number;
}

export const RFC5626_BACKOFF: BackoffTimes = { allFailedBaseTime: 30, notFailedBaseTime: 90, maxTime: 1800 };

/**
 * §4.5: W = min(max-time, base-time · 2^consecutive-failures); wait a random time between 50 % and 100 % of W.
 * Returns the window [min, max] in seconds.
 */
export function backoffWindow(times: BackoffTimes, consecutiveFailures: number, allFailed: boolean): [number, number] {
  const base = allFailed ? times.allFailedBaseTime : times.notFailedBaseTime;
  const w = Math.min(times.maxTime, base * 2 ** consecutiveFailures);
  return [w / 2, w];
}

export interface RegistrantOptions {
  /** Where REGISTERs go: the SUT (registrar or edge proxy). */
  registrar: Target;
  /** Request-URI (default `sip:<domain of the AOR>`). */
  requestUri?: string;
  aor?: SipUri;
  transport?: TransportProtocol;
  /** Requested expiry in seconds (default 3600). */
  expires?: number;
  /** RFC 5626: instance id (`urn:uuid:...`, default random) and the reg-ids to register. */
  outbound?: { instance?: string; regIds: number[] };
  credentials?: { username: string; password: string };
  /** Extra Contact parameters (e.g. `q`). */
  contactParams?: Record<string, string | null>;
  backoff?: BackoffTimes;
}

export interface RegFlow {
  regId: number;
  flow?: Flow;
  callId: string;
  cseq: number;
  fromTag: string;
  /** Last final response to a REGISTER on this flow, and the request it answered. */
  last?: SipResponse;
  lastRequest?: SipRequest;
  registeredAt?: number;
}

export class Registrant {
  readonly instance?: string;
  readonly flows = new Map<number, RegFlow>();
  private readonly digest?: DigestClient;
  private readonly transport: TransportProtocol;
  readonly aor: SipUri;

  constructor(
    readonly agent: SipAgent,
    readonly opts: RegistrantOptions,
  ) {
    this.transport =
      opts.transport ?? ('flow' in opts.registrar ? opts.registrar.flow.transport : opts.registrar.transport);
    this.aor = opts.aor ?? agent.aor;
    if (opts.outbound) this.instance = opts.outbound.instance ?? `urn:uuid:${randomUUID()}`;
    if (opts.credentials) this.digest = new DigestClient(opts.credentials);
    const ids = opts.outbound?.regIds ?? [0];
    for (const regId of ids) this.flows.set(regId, { regId, callId: newCallId(), cseq: 0, fromTag: newTag() });
  }

  get requestUri(): string {
    return this.opts.requestUri ?? `sip:${this.aor.host}${this.aor.port ? ':' + this.aor.port : ''}`;
  }

  /** Our Contact for a reg-id: with `+sip.instance` and `reg-id` under outbound (§4.2). */
  contact(regId: number): NameAddr {
    const c = this.agent.contact(this.transport, this.opts.contactParams ?? {});
    if (this.instance) {
      c.params.set('reg-id', String(regId));
      c.params.set('+sip.instance', `"<${this.instance}>"`);
    }
    return c;
  }

  private regFlow(regId: number): RegFlow {
    const f = this.flows.get(regId);
    if (!f) throw new Error(`no registration with reg-id ${regId}`);
    return f;
  }

  /**
   * Sends a REGISTER for one reg-id and returns its final response (after answering one digest challenge).
   * `newFlow` opens a new connection (a re-registration after a flow failure, §4.4.1); `newCallId` starts a new
   * registration Call-ID (only when the old one is unknown to the registrar, e.g. after a reboot).
   */
  async register(
    regId = [...this.flows.keys()][0]!,
    opts: {
      expires?: number;
      newFlow?: boolean;
      contact?: NameAddr | '*' | null;
      headers?: Array<[string, string | number]>;
      within?: number;
    } = {},
  ): Promise<Received<SipResponse>> {
    const rf = this.regFlow(regId);
    const target = await this.targetFor(rf, opts.newFlow ?? false);
    let authHeader: [string, string] | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = await this.sendRegister(rf, target, opts, authHeader);
      const final = await out.final({ within: opts.within });
      const res = final.message;
      if ((res.status === 401 || res.status === 407) && this.digest && attempt === 0) {
        const challenge = selectChallenge(res.getAll(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
        if (!challenge) return final;
        authHeader = [
          res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
          this.digest.authorize(challenge, 'REGISTER', this.requestUri),
        ];
        continue;
      }
      rf.last = res;
      rf.lastRequest = out.request;
      if (res.status >= 200 && res.status < 300) rf.registeredAt = performance.now();
      rf.flow = out.tx.flow;
      return final;
    }
    throw new Error('unreachable');
  }

  /** Sends one REGISTER on a reg-id's flow without waiting (for checks that inspect the exchange themselves). */
  async sendRegister(
    rf: RegFlow,
    target: Target,
    opts: { expires?: number; contact?: NameAddr | '*' | null; headers?: Array<[string, string | number]> } = {},
    auth?: [string, string],
  ): Promise<OutgoingRequest> {
    rf.cseq++;
    const expires = opts.expires ?? this.opts.expires ?? 3600;
    const contact = opts.contact === undefined ? this.contact(rf.regId) : opts.contact;
    const from = new NameAddr(this.aor.clone());
    from.params.set('tag', rf.fromTag);
    const req = this.agent.createRequest('REGISTER', this.aor, {
      requestUri: this.requestUri,
      from,
      callId: rf.callId,
      cseq: rf.cseq,
      contact: contact === null || contact === '*' ? false : [contact],
      headers: [
        ...(contact === '*' ? ([['Contact', '*']] as Array<[string, string]>) : []),
        ['Expires', expires],
        ...(opts.headers ?? []),
      ],
    });
    if (this.instance) req.append('Supported', 'outbound, path');
    if (auth) req.append(auth[0], auth[1]);
    return this.agent.send(req, target);
  }

  /** The flow a reg-id's REGISTER uses: its own connection; a new one for every reg-id (distinct flows, §4.2). */
  async targetFor(rf: RegFlow, newFlow: boolean): Promise<Target> {
    const reg = this.opts.registrar;
    if ('flow' in reg) return reg;
    if (rf.flow && !rf.flow.closed && !newFlow) return { flow: rf.flow };
    if (reg.transport === 'udp') return reg;
    const flow = await this.agent.transport.flowTo(reg.remote, reg.transport, { forceNew: true });
    rf.flow = flow;
    return { flow };
  }

  /** Registers every reg-id, one flow each. */
  async registerAll(opts: { expires?: number } = {}): Promise<Array<Received<SipResponse>>> {
    const out: Array<Received<SipResponse>> = [];
    for (const regId of this.flows.keys()) out.push(await this.register(regId, opts));
    return out;
  }

  /** §10.2.2: removes this reg-id's binding (`Expires: 0`). */
  unregister(regId = [...this.flows.keys()][0]!): Promise<Received<SipResponse>> {
    return this.register(regId, { expires: 0 });
  }

  /** §10.2.2: `Contact: *` with `Expires: 0` removes every binding of the AOR. */
  unregisterAll(regId = [...this.flows.keys()][0]!): Promise<Received<SipResponse>> {
    return this.register(regId, { expires: 0, contact: '*' });
  }

  /** §10.2.3: a REGISTER without Contact lists the current bindings. */
  query(regId = [...this.flows.keys()][0]!): Promise<Received<SipResponse>> {
    return this.register(regId, { contact: null });
  }

  /** Starts RFC 5626 §4.4.1 keep-alives on every registered flow. */
  startKeepalives(intervalMs: number, timeoutMs: number): void {
    for (const rf of this.flows.values())
      if (rf.flow && !rf.flow.closed) this.agent.transport.startKeepalive(rf.flow, { intervalMs, timeoutMs });
  }

  flowOf(regId: number): Flow | undefined {
    return this.flows.get(regId)?.flow;
  }
}

/** Parses a URI that must be SIP. */
export function sipUri(text: string): SipUri {
  const u = parseUri(text);
  if (u.kind !== 'sip') throw new Error(`${text} is not a SIP URI`);
  return u;
}
