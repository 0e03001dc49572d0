/**
 * The notifier of RFC 6665, played by a harness agent: it accepts a SUBSCRIBE (§4.2.1: 200 with a To tag, Contact
 * and the granted Expires), sends NOTIFYs in the dialog (§4.2.2: Event, Subscription-State, Contact), each in its
 * own client transaction — retransmitted over UDP by Timer E until answered (RFC 3261 §17.1.2) — and answers
 * refreshes. `inDialog` builds the implicit subscription of a REFER (RFC 3515 §2.4.4) inside an existing dialog.
 *
 *   const inc = await bob.expect('SUBSCRIBE');
 *   const n = await Notifier.accept(inc, { expires: 60 });
 *   const out = await n.notify({ state: 'active', body: pidf, contentType: 'application/pidf+xml' });
 *   await out.expectResponse(200);
 */
import { formatSubscriptionState, parseEvent } from '../sip/event-headers';
import { NameAddr } from '../sip/fields';
import { Dialog } from './dialog';
import { Duration } from './duration';
import type { IncomingRequest, OutgoingRequest, SipAgent } from './sip-agent';

export interface NotifyOptions {
  state: 'active' | 'pending' | 'terminated';
  /** Seconds left; default the time left of the granted expiry for active and pending (§4.2.2 requires it). */
  expires?: number;
  /** With terminated: timeout, noresource, deactivated, rejected, giveup, probation, invariant (§4.1.3). */
  reason?: string;
  body?: string | Buffer;
  contentType?: string;
  headers?: Array<[string, string | number]>;
}

export class Notifier {
  /** When the subscription expires (performance.now() ms). */
  private expiresAt: number;

  private constructor(
    readonly agent: SipAgent,
    readonly dialog: Dialog,
    /** The Event header value NOTIFYs carry (type and id as the subscriber sent them). */
    readonly event: string,
    expiresSeconds: number,
  ) {
    this.expiresAt = performance.now() + expiresSeconds * 1000;
  }

  /**
   * Accepts a SUBSCRIBE (§4.2.1.1): a 2xx (200 unless told, §8.3.1 deprecates 202) with a new To tag, our Contact
   * and an Expires no longer than asked; creates the dialog (RFC 3261 §12.1.1). A REFER gets 202 (RFC 3515 §2.4.2).
   */
  static async accept(
    incoming: IncomingRequest,
    opts: { expires?: number; status?: number; headers?: Array<[string, string | number]> } = {},
  ): Promise<Notifier> {
    const req = incoming.request;
    const refer = req.method === 'REFER';
    const asked = req.expires ?? 3600;
    const granted = Math.min(asked, opts.expires ?? asked);
    const res = await incoming.respond(opts.status ?? (refer ? 202 : 200), {
      contact: new NameAddr(incoming.agent.contact(incoming.flow.transport).uri),
      headers: [...(refer ? [] : [['Expires', granted] as [string, number]]), ...(opts.headers ?? [])],
    });
    const dialog = Dialog.asUas(req, res.to.tag ?? '', incoming.flow.reliable ? incoming.flow : undefined);
    // RFC 3515 §2.4.4: a REFER creates an implicit subscription to the refer event.
    const event = refer ? 'refer' : (req.get('event') ?? 'presence');
    return new Notifier(incoming.agent, dialog, event, granted);
  }

  /** The implicit subscription of a REFER (RFC 3515 §2.4.4) in a dialog the agent already has (a call). */
  static inDialog(agent: SipAgent, dialog: Dialog, event: string, expiresSeconds: number): Notifier {
    return new Notifier(agent, dialog, event, expiresSeconds);
  }

  get eventType(): string {
    return parseEvent(this.event).type;
  }

  /** Seconds left of the subscription (never negative). */
  remaining(): number {
    return Math.max(0, Math.round((this.expiresAt - performance.now()) / 1000));
  }

  /** A NOTIFY in the dialog (§4.2.2), sent in its own client transaction; the responses come on the result. */
  async notify(opts: NotifyOptions): Promise<OutgoingRequest> {
    const expires = opts.state === 'terminated' ? undefined : (opts.expires ?? this.remaining());
    const req = this.dialog.createRequest('NOTIFY', {
      headers: [
        ['Event', this.event],
        ['Subscription-State', formatSubscriptionState({ state: opts.state, expires, reason: opts.reason })],
        ['Contact', new NameAddr(this.agent.contact(this.dialog.flow?.transport).uri).toString()],
        ...(opts.headers ?? []),
      ],
    });
    if (opts.body !== undefined) req.setBody(opts.body, opts.contentType ?? 'text/plain');
    return this.agent.send(req, this.dialog.nextHop());
  }

  /** A SUBSCRIBE inside this dialog (refresh or unsubscribe, §4.2.1.2), within the bound. */
  expectRefresh(opts: { within?: Duration } = {}): Promise<IncomingRequest> {
    return this.agent.expect('SUBSCRIBE', {
      within: opts.within ?? '64*T1',
      match: (req) => req.callId === this.dialog.callId && req.to.tag === this.dialog.localTag,
    });
  }

  /** Answers a refresh with 200 and its granted Expires, and restarts the subscription's clock. */
  async acceptRefresh(incoming: IncomingRequest, maxExpires?: number): Promise<number> {
    const asked = incoming.request.expires ?? 3600;
    const granted = maxExpires === undefined ? asked : Math.min(asked, maxExpires);
    await incoming.respond(200, {
      contact: new NameAddr(this.agent.contact(incoming.flow.transport).uri),
      headers: [['Expires', granted]],
    });
    this.dialog.remoteSeq = incoming.request.cseq.seq;
    this.expiresAt = performance.now() + granted * 1000;
    return granted;
  }
}
