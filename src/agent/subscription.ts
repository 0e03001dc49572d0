/**
 * The subscriber of RFC 6665: SUBSCRIBE (§4.1.2.1), the dialog its 2xx or first NOTIFY creates (§4.1.2.4),
 * refresh (§4.1.2.2), unsubscribe with Expires 0 (§4.1.2.3), and the NOTIFYs of the subscription (§4.1.3), which a
 * check answers itself (200, or 481 to say the subscription no longer exists). One digest challenge (401/407) is
 * answered when credentials are given (RFC 3261 §22.2).
 *
 *   const sub = await Subscription.subscribe(alice, presentity, { target: sut, event: 'presence', expires: 60 });
 *   const ok = await sub.final();                    // 200, To tag, Expires
 *   const n = await sub.expectNotify();              // Subscription-State: active;expires=60
 *   await n.incoming.respond(200);
 *   await sub.unsubscribe(); await sub.final();      // then a NOTIFY with Subscription-State: terminated
 */
import { DigestClient, DigestCredentials, selectChallenge } from '../sip/digest';
import { EventHeader, SubscriptionState, parseEvent, parseSubscriptionState, sameEvent } from '../sip/event-headers';
import { NameAddr } from '../sip/fields';
import { SipRequest, SipResponse } from '../sip/message';
import { Uri } from '../sip/uri';
import type { Received, Target } from '../transaction/transaction';
import { Dialog } from './dialog';
import { Duration } from './duration';
import type { IncomingRequest, OutgoingRequest, SipAgent } from './sip-agent';

export interface SubscribeOptions {
  /** Where the SUBSCRIBE goes (the SUT). In-dialog requests follow the dialog's route set. */
  target: Target;
  /** The Event header value, e.g. `presence` or `dialog;id=3`. */
  event: string;
  /** Expires asked for, seconds (RFC 6665 §4.1.2.1); absent: no Expires header (the package default applies). */
  expires?: number;
  /** Accept header (e.g. `application/pidf+xml`). */
  accept?: string;
  /** Answer one 401/407 with these credentials (RFC 3261 §22.2). */
  credentials?: DigestCredentials;
  headers?: Array<[string, string | number]>;
  /** Our Contact; default the agent's Contact on the target's transport. */
  contact?: NameAddr;
}

/** A NOTIFY of this subscription, with its Event and Subscription-State parsed (or why they could not be). */
export interface ReceivedNotify {
  incoming: IncomingRequest;
  request: SipRequest;
  event?: EventHeader;
  state?: SubscriptionState;
  /** Why Event or Subscription-State is missing or malformed (RFC 6665 §4.1.3, §8.2). */
  problem?: string;
  /** The body as text (a PIDF document, a message/sipfrag...). */
  body: string;
}

/** One SUBSCRIBE transaction of the subscription and what came back. */
export interface SubscribeExchange {
  request: SipRequest;
  out: OutgoingRequest;
  /** The challenge answered before this request's final response, if any. */
  challenge?: SipResponse;
}

export class Subscription {
  dialog?: Dialog;
  /** Set once the subscription is over for us: unsubscribed, or a NOTIFY said terminated. */
  ended = false;
  readonly event: EventHeader;
  /** Every SUBSCRIBE sent, in order (a challenged one and its retry both appear). */
  readonly sent: SipRequest[] = [];
  private readonly digest?: DigestClient;
  private current!: SubscribeExchange;
  /** The highest CSeq number used before a dialog exists. */
  private seq = 1;

  private constructor(
    readonly agent: SipAgent,
    readonly initial: SipRequest,
    private readonly opts: SubscribeOptions,
  ) {
    this.event = parseEvent(opts.event);
    if (opts.credentials) this.digest = new DigestClient(opts.credentials);
  }

  /** Sends the initial SUBSCRIBE (out of dialog) and returns the subscription; `final()` waits for its answer. */
  static async subscribe(agent: SipAgent, to: Uri | string, opts: SubscribeOptions): Promise<Subscription> {
    return Subscription.start(agent, to, 'SUBSCRIBE', opts, subscribeHeaders(opts, opts.expires));
  }

  /**
   * Sends a REFER outside a dialog (RFC 3515 §2.4.2): its 2xx creates a dialog with an implicit subscription to the
   * `refer` event, whose NOTIFYs carry message/sipfrag progress (§2.4.4, §2.4.5).
   */
  static async refer(
    agent: SipAgent,
    to: Uri | string,
    opts: Omit<SubscribeOptions, 'event' | 'expires' | 'accept'> & { referTo: string },
  ): Promise<Subscription> {
    const headers: Array<[string, string | number]> = [['Refer-To', opts.referTo], ...(opts.headers ?? [])];
    return Subscription.start(agent, to, 'REFER', { ...opts, event: 'refer' }, headers);
  }

  private static async start(
    agent: SipAgent,
    to: Uri | string,
    method: 'SUBSCRIBE' | 'REFER',
    opts: SubscribeOptions,
    headers: Array<[string, string | number]>,
  ): Promise<Subscription> {
    const transport = 'flow' in opts.target ? opts.target.flow.transport : opts.target.transport;
    const req = agent.createRequest(method, to, {
      transport,
      contact: opts.contact ?? new NameAddr(agent.contact(transport).uri),
      headers,
    });
    const sub = new Subscription(agent, req, opts);
    await sub.send(req, opts.target);
    return sub;
  }

  get callId(): string {
    return this.initial.callId;
  }

  /** Our tag: the From tag of the SUBSCRIBE, the To tag of every NOTIFY (RFC 6665 §4.1.3). */
  get localTag(): string {
    return this.initial.from.tag ?? '';
  }

  /** The SUBSCRIBE most recently sent and its transaction. */
  get last(): SubscribeExchange {
    return this.current;
  }

  private async send(req: SipRequest, target: Target, challenge?: SipResponse): Promise<OutgoingRequest> {
    const out = await this.agent.send(req, target);
    this.sent.push(req);
    this.current = { request: req, out, ...(challenge ? { challenge } : {}) };
    return out;
  }

  /**
   * The final response to the latest SUBSCRIBE. A 401/407 is answered once when credentials were given, and the
   * retry's final response is returned (the challenge stays in `last.challenge`). A 2xx creates the dialog
   * (§4.1.2.1, RFC 3261 §12.1.2) or refreshes its remote target.
   */
  async final(opts: { within?: Duration } = {}): Promise<Received<SipResponse>> {
    let rx = await this.current.out.final(opts);
    const res = rx.message;
    if ((res.status === 401 || res.status === 407) && this.digest && !this.current.challenge) {
      const challenge = selectChallenge(res.getAll(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
      if (challenge) {
        const retry = this.current.request.clone();
        retry.remove('via');
        retry.set('CSeq', `${this.nextSeq()} ${retry.method}`);
        const header = res.status === 401 ? 'Authorization' : 'Proxy-Authorization';
        retry.set(header, this.digest.authorize(challenge, retry.method, retry.uriText));
        await this.send(retry, this.targetOf(), res);
        rx = await this.current.out.final(opts);
      }
    }
    this.onFinal(rx);
    return rx;
  }

  private onFinal(rx: Received<SipResponse>): void {
    const res = rx.message;
    if (res.status < 200 || res.status >= 300) return;
    if (!this.dialog) {
      this.dialog = Dialog.asUac(this.current.request, res, rx.flow.reliable ? rx.flow : undefined);
      this.dialog.localSeq = this.seq;
    } else this.dialog.refreshTarget(res.get('contact'));
  }

  /** A refresh (§4.1.2.2): SUBSCRIBE in the dialog with a higher CSeq; `expires` 0 unsubscribes (§4.1.2.3). */
  async refresh(expires: number | undefined = this.opts.expires): Promise<OutgoingRequest> {
    const dialog = this.requireDialog('refresh');
    const t = this.opts.target;
    const transport = 'flow' in t ? t.flow.transport : t.transport;
    const req = dialog.createRequest('SUBSCRIBE', { headers: subscribeHeaders(this.opts, expires) });
    req.append('Contact', (this.opts.contact ?? new NameAddr(this.agent.contact(transport).uri)).toString());
    return this.send(req, dialog.nextHop());
  }

  unsubscribe(): Promise<OutgoingRequest> {
    this.ended = true;
    return this.refresh(0);
  }

  /** Whether a request is a NOTIFY of this subscription: same Call-ID, our tag as To tag, same Event (§4.1.3). */
  owns(req: SipRequest): boolean {
    if (req.method !== 'NOTIFY' || req.callId !== this.callId) return false;
    try {
      if (req.to.tag !== this.localTag) return false;
      const ev = req.get('event');
      // Without an Event header the NOTIFY still belongs here by its dialog; the check reports the missing header.
      if (ev === undefined) return true;
      const got = parseEvent(ev);
      // A REFER's implicit subscription is told apart by id = the REFER's CSeq (RFC 3515 §2.4.6), which we do not
      // know in advance: match the type alone there.
      return this.initial.method === 'REFER' ? got.type === this.event.type : sameEvent(got, this.event);
    } catch {
      return false;
    }
  }

  /** The next NOTIFY of this subscription; the first one creates the dialog when it beats the 2xx (§4.1.2.4). */
  async expectNotify(opts: { within?: Duration } = {}): Promise<ReceivedNotify> {
    const incoming = await this.agent.expect('NOTIFY', {
      within: opts.within ?? '64*T1',
      match: (req) => this.owns(req),
    });
    return this.onNotify(incoming);
  }

  /** Passes when no NOTIFY of this subscription arrives for `duration`. */
  expectNoNotify(duration: Duration): Promise<void> {
    return this.agent.expectNoRequest('NOTIFY', duration, (r) => this.owns(r.request));
  }

  private onNotify(incoming: IncomingRequest): ReceivedNotify {
    const req = incoming.request;
    if (!this.dialog) {
      this.dialog = Dialog.asUas(req, this.localTag, incoming.flow.reliable ? incoming.flow : undefined);
      this.dialog.localSeq = this.seq;
    } else this.dialog.refreshTarget(req.get('contact'));
    const out: ReceivedNotify = { incoming, request: req, body: req.body.toString('utf8') };
    const problems: string[] = [];
    const ev = req.get('event');
    const st = req.get('subscription-state');
    if (ev === undefined) problems.push('no Event header (RFC 6665 §8.2.1)');
    else {
      try {
        out.event = parseEvent(ev);
      } catch (e) {
        problems.push(`Event: ${(e as Error).message}`);
      }
    }
    if (st === undefined) problems.push('no Subscription-State header (RFC 6665 §4.1.3)');
    else {
      try {
        out.state = parseSubscriptionState(st);
      } catch (e) {
        problems.push(`Subscription-State: ${(e as Error).message}`);
      }
    }
    if (problems.length) out.problem = problems.join('; ');
    if (out.state?.state === 'terminated') this.ended = true;
    return out;
  }

  private nextSeq(): number {
    if (this.dialog) return ++this.dialog.localSeq;
    return ++this.seq;
  }

  private targetOf(): Target {
    return this.dialog ? this.dialog.nextHop() : this.opts.target;
  }

  private requireDialog(what: string): Dialog {
    if (!this.dialog) throw new Error(`cannot ${what}: the subscription has no dialog yet (no 2xx and no NOTIFY)`);
    return this.dialog;
  }
}

function subscribeHeaders(opts: SubscribeOptions, expires: number | undefined): Array<[string, string | number]> {
  const h: Array<[string, string | number]> = [['Event', opts.event]];
  if (expires !== undefined) h.push(['Expires', expires]);
  if (opts.accept) h.push(['Accept', opts.accept]);
  return [...h, ...(opts.headers ?? [])];
}
