/**
 * The reference SUT as a notifier (RFC 6665) for the `presence` event package (RFC 3856) with a static PIDF state
 * (RFC 3863): every presentity of the domain is "open".
 *
 * Which requests are its own: a SUBSCRIBE to an address of record of the domain that has NO binding (a registered
 * user's SUBSCRIBEs are proxied to the user's devices, RFC 6665 §4.3), and every SUBSCRIBE inside one of its
 * subscription dialogs (its Contact names `sip:presence-notifier@<the SUT>`; an unknown dialog there gets 481).
 *
 * Lifetimes (RFC 6665 §4.2.1.1, §4.2.2): the 200 grants min(asked, maxExpires) seconds; a NOTIFY with
 * `Subscription-State: active;expires=N` follows every accepted SUBSCRIBE and refresh; Expires 0 ends the
 * subscription with `terminated;reason=timeout` (§4.1.2.3, §4.4.3 fetch); expiry without refresh sends
 * `terminated;reason=timeout`; a NOTIFY answered 481 — or not answered at all (Timer F) — ends the subscription
 * (§4.2.2). Another event package gets 489 with Allow-Events (§4.2.1.1). With users configured the initial
 * SUBSCRIBE is challenged with 401 and WWW-Authenticate (§4.2.1.3, RFC 3261 §22.2: the notifier is a UAS).
 */
import { Dialog } from '../../agent/dialog';
import { createResponse, newTag } from '../../sip/builders';
import { DigestServer } from '../../sip/digest';
import { formatSubscriptionState, parseEvent } from '../../sip/event-headers';
import { SipRequest, SipResponse } from '../../sip/message';
import { SipUri } from '../../sip/uri';
import type { ClientTransaction } from '../../transaction/client-transaction';
import type { ServerTransaction } from '../../transaction/server-transaction';
import type { TransactionLayer } from '../../transaction/transaction-layer';
import type { Received } from '../../transaction/transaction';
import type { Endpoint, TransportProtocol } from '../../transport/types';

/** The user part of the notifier's Contact: in-dialog SUBSCRIBEs to it are the presence service's. */
export const NOTIFIER_USER = 'presence-notifier';
export const PRESENCE_EVENTS = ['presence'];

/**
 * The notifier's decisions, which faults may override (fault-definition.ts): each receives the RFC's outcome first
 * and returns the one to apply.
 */
export interface PresenceDecisions {
  /** §4.2.1.1: whether a SUBSCRIBE for this event type is accepted (otherwise 489). */
  acceptEvent(accept: boolean, type: string): boolean;
  /** §4.2.1.3, RFC 3261 §22.2: the challenge header fields of the 401 to an unauthorized SUBSCRIBE. */
  challengeHeaders(headers: Array<[string, string]>): Array<[string, string]>;
  /** §4.2.2: whether a NOTIFY follows the 200 to a new subscription. */
  notifyOnAccept(send: boolean): boolean;
  /** §4.2.2: whether a NOTIFY follows the 200 to a refresh. */
  notifyOnRefresh(send: boolean): boolean;
  /** §4.1.2.3: whether Expires 0 ends the subscription (with a terminated NOTIFY). */
  endOnUnsubscribe(end: boolean): boolean;
  /** §4.2.2: whether an expired subscription gets a NOTIFY terminated;reason=timeout. */
  notifyOnExpiry(send: boolean): boolean;
  /** §4.2.2: whether a NOTIFY failing with this status ends the subscription. */
  endOnNotifyFailure(end: boolean, status: number): boolean;
}

export interface PresenceOptions {
  tx: TransactionLayer;
  /** The node's listening address on a transport (for the Contact). */
  address(transport: TransportProtocol): Endpoint;
  /** Whether an AOR of the domain has bindings (then its SUBSCRIBEs are routed, not served). */
  hasBinding(aor: string): boolean;
  isDomain(uri: SipUri): boolean;
  /** Longest subscription granted, seconds (RFC 6665 §4.2.1.1: the 200 may shorten, never lengthen). */
  maxExpires: number;
  digest?: DigestServer;
  users?: ReadonlyMap<string, string>;
  decisions?: Partial<PresenceDecisions>;
  log(line: string): void;
}

interface Served {
  dialog: Dialog;
  event: string;
  presentity: string;
  expiresAt: number;
  timer?: NodeJS.Timeout;
}

export class PresenceService {
  private readonly subs = new Map<string, Served>();

  constructor(private readonly o: PresenceOptions) {}

  /** Whether this request (its Route already consumed) is for the notifier rather than for the proxy. */
  claims(req: SipRequest): boolean {
    if (req.method !== 'SUBSCRIBE') return false;
    const uri = req.uri;
    if (uri.kind !== 'sip') return false;
    if (req.to.tag) return this.subs.has(key(req.callId, req.to.tag)) || uri.user === NOTIFIER_USER;
    return uri.user !== undefined && this.o.isDomain(uri) && !this.o.hasBinding(uri.aor());
  }

  async handle(stx: ServerTransaction): Promise<void> {
    const req = stx.request;
    const reply = (status: number, headers: Array<[string, string | number]> = [], toTag?: string) =>
      stx.respond(createResponse(req, status, { headers, ...(toTag ? { toTag } : {}) })).catch(() => undefined);
    if (req.to.tag) {
      const served = this.subs.get(key(req.callId, req.to.tag));
      if (!served) return void (await reply(481));
      return this.refresh(stx, served);
    }
    const eventText = req.get('event');
    const event = eventText ? safeEvent(eventText) : undefined;
    const known = !!event && PRESENCE_EVENTS.includes(event.type);
    if (!event || !this.decide('acceptEvent', known, event.type)) {
      this.log(`SUBSCRIBE for event "${eventText ?? '(none)'}": 489`);
      return void (await reply(489, [['Allow-Events', PRESENCE_EVENTS.join(', ')]]));
    }
    const challenge = this.authenticate(req);
    if (challenge) return void (await reply(401, challenge));
    const expires = this.granted(req);
    const toTag = newTag();
    const res = createResponse(req, 200, {
      toTag,
      headers: [
        ['Expires', expires],
        ['Contact', this.contact(stx.flow.transport)],
        ['Allow-Events', PRESENCE_EVENTS.join(', ')],
      ],
    });
    await stx.respond(res).catch(() => undefined);
    const dialog = Dialog.asUas(req, toTag, stx.flow.reliable ? stx.flow : undefined);
    const served: Served = {
      dialog,
      event: eventText!,
      presentity: (req.uri as SipUri).aor(),
      expiresAt: Date.now() + expires * 1000,
    };
    this.log(`subscription ${served.presentity} (${event.type}) for ${expires} s`);
    if (expires === 0) {
      // A fetch (§4.4.3): one NOTIFY with the state, and the subscription is over.
      await this.notify(served, 'terminated', 'timeout');
      return;
    }
    this.subs.set(key(req.callId, toTag), served);
    this.arm(served);
    if (this.decide('notifyOnAccept', true)) await this.notify(served, 'active');
    else this.log('(fault) no NOTIFY after the 200 to SUBSCRIBE');
  }

  private async refresh(stx: ServerTransaction, served: Served): Promise<void> {
    const req = stx.request;
    const expires = this.granted(req);
    served.dialog.remoteSeq = req.cseq.seq;
    served.dialog.refreshTarget(req.get('contact'));
    const res = createResponse(req, 200, {
      headers: [
        ['Expires', expires],
        ['Contact', this.contact(stx.flow.transport)],
      ],
    });
    await stx.respond(res).catch(() => undefined);
    if (expires === 0 && this.decide('endOnUnsubscribe', true)) {
      this.end(served);
      await this.notify(served, 'terminated', 'timeout');
      return;
    }
    if (expires === 0) this.log('(fault) Expires 0 ignored: the subscription stays active');
    else served.expiresAt = Date.now() + expires * 1000;
    this.arm(served);
    if (this.decide('notifyOnRefresh', true)) await this.notify(served, 'active');
    else this.log('(fault) no NOTIFY after the 200 to a refresh');
  }

  /** RFC 6665 §4.2.1.3 / RFC 3261 §22.2: the challenge headers of a 401, or undefined when authorized. */
  private authenticate(req: SipRequest): Array<[string, string]> | undefined {
    const { digest, users } = this.o;
    if (!digest || !users) return undefined;
    const challenges = (stale = false): Array<[string, string]> =>
      this.decide(
        'challengeHeaders',
        digest.challenges({ stale }).map((c): [string, string] => ['WWW-Authenticate', c]),
      );
    const auth = req.get('authorization');
    if (!auth) return challenges();
    const verdict = digest.verify(auth, 'SUBSCRIBE', (u) => users.get(u) ?? users.get('*'), {
      requestUri: req.uriText,
    });
    if (verdict.ok) return undefined;
    this.log(`SUBSCRIBE rejected: ${verdict.message}`);
    return challenges(verdict.stale);
  }

  private granted(req: SipRequest): number {
    const asked = safe(() => req.expires) ?? 3600; // RFC 3856 §6.4: the presence package's default
    return Math.min(asked, this.o.maxExpires);
  }

  private contact(transport: TransportProtocol): string {
    const a = this.o.address(transport);
    const host = a.address.includes(':') ? `[${a.address}]` : a.address;
    return `<sip:${NOTIFIER_USER}@${host}:${a.port}${transport === 'udp' ? '' : `;transport=${transport}`}>`;
  }

  /** The subscription's timer: at expiry a final NOTIFY with reason=timeout (§4.2.2). */
  private arm(served: Served): void {
    clearTimeout(served.timer);
    served.timer = setTimeout(
      () => {
        this.end(served);
        if (!this.decide('notifyOnExpiry', true))
          return this.log(`(fault) ${served.presentity} expired without a NOTIFY`);
        void this.notify(served, 'terminated', 'timeout');
      },
      Math.max(0, served.expiresAt - Date.now()),
    );
  }

  private end(served: Served): void {
    clearTimeout(served.timer);
    this.subs.delete(key(served.dialog.callId, served.dialog.localTag));
  }

  private async notify(served: Served, state: 'active' | 'terminated', reason?: string): Promise<void> {
    const expires = state === 'active' ? Math.max(0, Math.round((served.expiresAt - Date.now()) / 1000)) : undefined;
    const req = served.dialog.createRequest('NOTIFY', {
      headers: [
        ['Event', served.event],
        ['Subscription-State', formatSubscriptionState({ state, expires, reason })],
      ],
    });
    const target = served.dialog.nextHop();
    const transport = 'flow' in target ? target.flow.transport : target.transport;
    req.append('Contact', this.contact(transport));
    if (state === 'active') req.setBody(pidf(served.presentity), 'application/pidf+xml');
    let ctx: ClientTransaction;
    try {
      ctx = await this.o.tx.sendRequest(req, target);
    } catch (e) {
      this.log(`cannot send NOTIFY to ${served.dialog.remoteTarget.toString()}: ${(e as Error).message}`);
      return this.end(served);
    }
    this.log(`NOTIFY ${served.presentity} ${req.get('subscription-state')}`);
    ctx.on('response', (rx: Received<SipResponse>) => this.onNotifyResponse(served, rx.message));
    ctx.on('timeout', () => {
      this.log(`NOTIFY for ${served.presentity} timed out: subscription removed (RFC 6665 §4.2.2)`);
      this.end(served);
    });
  }

  private onNotifyResponse(served: Served, res: SipResponse): void {
    if (res.status < 300) return;
    // §4.2.2: a NOTIFY failing with a non-2xx (481 above all) removes the subscription.
    if (!this.decide('endOnNotifyFailure', true, res.status)) {
      this.log(`(fault) ${res.status} to NOTIFY ignored: the subscription stays`);
      return;
    }
    this.log(`NOTIFY for ${served.presentity} got ${res.status}: subscription removed (RFC 6665 §4.2.2)`);
    this.end(served);
  }

  /** The outcome of one decision: the RFC's, unless a fault's hook overrides it. */
  private decide<K extends keyof PresenceDecisions>(
    name: K,
    ...args: Parameters<PresenceDecisions[K]>
  ): ReturnType<PresenceDecisions[K]> {
    const hook = this.o.decisions?.[name] as ((...a: unknown[]) => unknown) | undefined;
    return (hook ? hook(...args) : args[0]) as ReturnType<PresenceDecisions[K]>;
  }

  private log(line: string): void {
    this.o.log(`presence ${line}`);
  }

  close(): void {
    for (const s of this.subs.values()) clearTimeout(s.timer);
    this.subs.clear();
  }
}

function key(callId: string, localTag: string): string {
  return `${callId};${localTag}`;
}

function safeEvent(text: string) {
  try {
    return parseEvent(text);
  } catch {
    return undefined;
  }
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** A static PIDF document (RFC 3863): the presentity is open. */
function pidf(entity: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${entity}">`,
    '  <tuple id="sipconf"><status><basic>open</basic></status></tuple>',
    '</presence>',
    '',
  ].join('\r\n');
}
