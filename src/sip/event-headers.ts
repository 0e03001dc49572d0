/**
 * The header fields of SIP events (RFC 6665 §8.4): Event (`presence;id=7`), Subscription-State
 * (`active;expires=599`, `terminated;reason=timeout`) and Allow-Events (a comma list of event types). No I/O.
 */
import { SipSyntaxError } from './errors';

/** `token *( ";" param )` with `param = token [ "=" ( token / quoted-string ) ]` (RFC 3261 §25.1 generic-param). */
interface ParamValue {
  value: string;
  params: Map<string, string | null>;
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

function parseParamValue(text: string, header: string): ParamValue {
  const parts = splitParams(text.trim());
  // SEMI = SWS ";" SWS (RFC 3261 §25.1): white space around the semicolons is allowed.
  const value = (parts.shift() ?? '').trim();
  if (!TOKEN.test(value)) throw new SipSyntaxError(`${header} "${text.trim()}" does not start with a token`);
  const params = new Map<string, string | null>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (!TOKEN.test(name)) throw new SipSyntaxError(`${header} has a bad parameter "${p.trim()}"`);
    let v: string | null = eq < 0 ? null : p.slice(eq + 1).trim();
    if (v !== null && v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    else if (v !== null && !TOKEN.test(v)) throw new SipSyntaxError(`${header} parameter ${name} has a bad value`);
    params.set(name, v);
  }
  return { value, params };
}

/** Splits at semicolons outside quoted strings. */
function splitParams(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' && s[i - 1] !== '\\') quoted = !quoted;
    else if (c === ';' && !quoted) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

export interface EventHeader {
  /** The event type, lower-cased (event-type tokens compare case-insensitively, RFC 6665 §8.2.1). */
  type: string;
  /** The `id` parameter that tells subscriptions of one dialog apart (RFC 6665 §8.2.3). */
  id?: string;
}

export function parseEvent(text: string): EventHeader {
  const p = parseParamValue(text, 'Event');
  const id = p.params.get('id');
  return { type: p.value.toLowerCase(), ...(id ? { id } : {}) };
}

/** Whether two Event values name the same subscription: same type, same id or both without (RFC 6665 §4.1.2.4). */
export function sameEvent(a: EventHeader, b: EventHeader): boolean {
  return a.type === b.type && (a.id ?? '') === (b.id ?? '');
}

export type SubscriptionStateValue = 'active' | 'pending' | 'terminated';

export interface SubscriptionState {
  /** `active`, `pending`, `terminated`, or another (extension) value as sent. */
  state: string;
  /** Seconds left (RFC 6665 §4.2.2: required with active and pending). */
  expires?: number;
  /** Why a subscription ended: deactivated, probation, rejected, timeout, giveup, noresource, invariant. */
  reason?: string;
  retryAfter?: number;
}

export function parseSubscriptionState(text: string): SubscriptionState {
  const p = parseParamValue(text, 'Subscription-State');
  const num = (name: string): number | undefined => {
    const v = p.params.get(name);
    if (v === undefined || v === null) return undefined;
    if (!/^[0-9]{1,10}$/.test(v)) throw new SipSyntaxError(`Subscription-State ${name}=${v} is not a number`);
    return Number(v);
  };
  const reason = p.params.get('reason');
  const expires = num('expires');
  const retryAfter = num('retry-after');
  return {
    state: p.value.toLowerCase(),
    ...(expires !== undefined ? { expires } : {}),
    ...(reason ? { reason: reason.toLowerCase() } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  };
}

export function formatSubscriptionState(s: SubscriptionState): string {
  let out = s.state;
  if (s.expires !== undefined) out += `;expires=${s.expires}`;
  if (s.reason) out += `;reason=${s.reason}`;
  if (s.retryAfter !== undefined) out += `;retry-after=${s.retryAfter}`;
  return out;
}

/** The event types of Allow-Events values (a comma list, RFC 6665 §8.2.2), lower-cased. */
export function parseAllowEvents(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0)
    .map((v) => parseParamValue(v, 'Allow-Events').value.toLowerCase());
}
