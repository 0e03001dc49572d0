/**
 * Building blocks of the subscription checks (RFC 6665): subscribe to a presentity of the SUT, wait for a NOTIFY
 * of the subscription and check its Subscription-State — each a reported step whose failure names the section.
 *
 * Which URI the SUT serves as notifier: a fresh address of record of its domain that has no binding
 * (`sip:presentity-<check>-<run>@<domain>`). A presence server serves presence for every AOR of its domain; the
 * reference SUT routes SUBSCRIBEs to registered users and serves the others itself.
 */
import { ExpectationError } from '../agent/expectation';
import type { SipAgent } from '../agent/sip-agent';
import { ReceivedNotify, Subscription } from '../agent/subscription';
import type { SipRequest, SipResponse } from '../sip/message';
import type { Target } from '../transaction/transaction';
import type { CheckContext } from './context';
import { clock } from './flows';

/** A fresh presentity of the SUT's domain (no binding, so the SUT's notifier serves it). */
export function presentity(ctx: CheckContext): string {
  return `sip:${ctx.freshUser('presentity')}@${ctx.sut.domain}`;
}

export interface SubscribeStepOptions {
  event?: string;
  expires?: number;
  target?: Target;
  /** Answer a digest challenge (default true when the profile has users). */
  authenticate?: boolean;
}

/** Sends SUBSCRIBE and waits for its final response (one digest challenge answered), as steps. */
export async function subscribe(
  ctx: CheckContext,
  agent: SipAgent,
  to: string,
  opts: SubscribeStepOptions = {},
): Promise<{ sub: Subscription; res: SipResponse }> {
  const sub = await sendSubscribe(ctx, agent, to, opts);
  return { sub, res: await subscribeAnswer(ctx, sub) };
}

/** Sends the initial SUBSCRIBE (a step); the subscription is ended when the check ends. */
export async function sendSubscribe(
  ctx: CheckContext,
  agent: SipAgent,
  to: string,
  opts: SubscribeStepOptions = {},
): Promise<Subscription> {
  const event = opts.event ?? 'presence';
  const credentials = opts.authenticate === false ? undefined : ctx.credentialsFor(agent);
  const label = `${agent.name} sends SUBSCRIBE (Event: ${event}${opts.expires !== undefined ? `, Expires: ${opts.expires}` : ''}) for ${to}`;
  return ctx.step(label, async () => {
    const sub = await Subscription.subscribe(agent, to, {
      target: opts.target ?? ctx.sutTarget(),
      event,
      ...(opts.expires !== undefined ? { expires: opts.expires } : {}),
      ...(credentials ? { credentials } : {}),
    });
    ctx.onCleanup(() => quietlyUnsubscribe(sub));
    return sub;
  });
}

/** The final response to the subscription's SUBSCRIBE (after one digest challenge), as a step. */
export function subscribeAnswer(ctx: CheckContext, sub: Subscription): Promise<SipResponse> {
  return ctx.step(`${sub.agent.name} receives the final response to SUBSCRIBE`, async () => {
    const rx = await ctx.expectFromSut(
      sub.final({ within: '64*T1' }),
      (d) => `no final response to SUBSCRIBE within 64·T1: ${d} (RFC 6665 §4.2.1.1, RFC 3261 §17.1.2)`,
    );
    return rx.message;
  });
}

/**
 * The 2xx to a SUBSCRIBE as RFC 6665 §4.2.1.1 and §8.3.1 define it: 200 (202 is accepted as legacy, with a note),
 * a To tag (a dialog, RFC 3261 §12.1.1), and an Expires no longer than asked. Returns the granted expiry.
 */
export function assertSubscribe2xx(ctx: CheckContext, res: SipResponse, asked: number, what = 'SUBSCRIBE'): number {
  ctx.assert(
    res.status >= 200 && res.status < 300,
    `${what} got ${res.status} ${res.reason}, expected 200 (RFC 6665 §4.2.1.1)`,
  );
  if (res.status === 202)
    ctx.note(`${what} was answered 202 Accepted: RFC 6665 §8.3.1 deprecates 202 for SUBSCRIBE (legacy, accepted)`);
  ctx.assert(!!res.to.tag, `the ${res.status} to ${what} has no To tag (RFC 3261 §12.1.1, RFC 6665 §4.2.1.1)`);
  const granted = safeExpires(res);
  ctx.assert(
    granted !== undefined,
    `the ${res.status} to ${what} carries no valid Expires header (RFC 6665 §4.2.1.1: the 2xx gives the duration)`,
  );
  ctx.assert(
    granted <= asked,
    `the ${res.status} to ${what} grants Expires ${granted}, longer than the ${asked} s asked (RFC 6665 §4.2.1.1: a notifier may shorten, never lengthen)`,
  );
  return granted;
}

export interface NotifyExpectation {
  /** The states allowed, e.g. ['active', 'pending'] or ['terminated']. */
  states: string[];
  /** The NOTIFY's expires must not exceed this (seconds). */
  maxExpires?: number;
  /** The reason required with terminated. */
  reason?: string;
  within?: number | string;
  /** What the NOTIFY follows, for the failure message ("the 200 to SUBSCRIBE"). */
  after: string;
  rfc: string;
  /** The status the subscriber answers with (default 200, RFC 6665 §4.1.3). */
  answer?: number;
}

/** Waits for the next NOTIFY of the subscription, checks Event and Subscription-State, and answers it. */
export async function expectNotify(
  ctx: CheckContext,
  sub: Subscription,
  want: NotifyExpectation,
): Promise<ReceivedNotify> {
  const within = want.within ?? '64*T1';
  return ctx.step(
    `${sub.agent.name} receives a NOTIFY (${want.states.join('|')}) and answers ${want.answer ?? 200}`,
    async () => {
      const since = Date.now();
      let n: ReceivedNotify;
      try {
        n = await sub.expectNotify({ within });
      } catch (e) {
        if (e instanceof ExpectationError)
          ctx.fail(
            `no NOTIFY of the subscription within ${ctx.ms(within)} ms after ${want.after} (sent ${clock(since)}) (${want.rfc}): ${e.message}`,
          );
        throw e;
      }
      await n.incoming.respond(want.answer ?? 200);
      ctx.assert(!n.problem, `the NOTIFY is malformed: ${n.problem}`);
      const st = n.state!;
      ctx.assert(
        n.event!.type === sub.event.type,
        `the NOTIFY carries Event: ${n.request.get('event')}, not the subscribed ${sub.event.type} (RFC 6665 §8.2.1)`,
      );
      ctx.assert(
        want.states.includes(st.state),
        `the NOTIFY after ${want.after} says Subscription-State: ${n.request.get('subscription-state')}, expected ${want.states.join(' or ')} (${want.rfc})`,
      );
      if (st.state === 'active' || st.state === 'pending') {
        ctx.assert(
          st.expires !== undefined,
          `Subscription-State: ${n.request.get('subscription-state')} has no expires parameter (RFC 6665 §4.2.2: required with active and pending)`,
        );
        if (want.maxExpires !== undefined)
          ctx.assert(
            st.expires <= want.maxExpires,
            `Subscription-State: ${n.request.get('subscription-state')} says ${st.expires} s, more than the ${want.maxExpires} s granted (RFC 6665 §4.2.2)`,
          );
      }
      if (want.reason)
        ctx.assert(
          st.reason === want.reason,
          `Subscription-State: ${n.request.get('subscription-state')} has reason ${st.reason ?? '(none)'}, expected ${want.reason} (${want.rfc})`,
        );
      return n;
    },
  );
}

/**
 * A request of a dialog the SUT record-routed must have crossed it: it carries the SUT's Via besides the sender's
 * (RFC 3261 §16.6 step 8), instead of going straight from one agent to the other.
 */
export function throughSut(ctx: CheckContext, req: SipRequest, what: string): void {
  ctx.assert(
    req.vias.length >= 2,
    `${what} came straight from the other agent (one Via), not through the SUT, though it record-routed the dialog ` +
      '(RFC 3261 §16.12, §12.2.1.1: in-dialog requests follow the route set)',
  );
}

/** Ends a subscription left open by a check (unsubscribe, answer the final NOTIFY); errors ignored. */
async function quietlyUnsubscribe(sub: Subscription): Promise<void> {
  if (!sub.dialog || sub.ended) return;
  const out = await sub.unsubscribe().catch(() => undefined);
  if (!out) return;
  await out.final({ within: 4 * sub.agent.timers.t1 }).catch(() => undefined);
  const n = await sub.expectNotify({ within: 4 * sub.agent.timers.t1 }).catch(() => undefined);
  await n?.incoming.respond(200).catch(() => undefined);
}

function safeExpires(res: SipResponse): number | undefined {
  try {
    return res.expires;
  } catch {
    return undefined;
  }
}
