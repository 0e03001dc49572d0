/**
 * Strict grammar checks of known headers (RFC 3261 §25.1), run by the parser in strict mode. Each problem is
 * reported with the line of the header at fault. Semantic problems (missing mandatory headers, duplicates of
 * single-value headers...) are lint's business (lint.ts), not this file's.
 */
import { asciiBytes as asciiBytes_, skipSpTabAt as skipSpTabAt_, tokenEndAt as tokenEndAt_ } from './ascii';
import { Diagnostic, SipSyntaxError } from './errors';
import {
  NameAddr,
  Via,
  parsePlainNameAddrAt as parsePlainNameAddrAt_,
  parsePlainNameAddrListAt as parsePlainNameAddrListAt_,
  parsePlainViaAt as parsePlainViaAt_,
  parseAuthParams as parseAuthParams_,
  parseCSeq as parseCSeq_,
  parseNameAddr as parseNameAddr_,
  parseUnsigned as parseUnsigned_,
  parseVia as parseVia_,
} from './fields';
import { isToken as isToken_, splitTopLevel as splitTopLevel_ } from './lex';
import { Header, SipMessage, viewSlotOf } from './message';
import { parsePlainSipUriAt as parsePlainSipUriAt_, parseUri as parseUri_ } from './uri';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const parseAuthParams = parseAuthParams_;
const parseCSeq = parseCSeq_;
const parseNameAddr = parseNameAddr_;
const parseUnsigned = parseUnsigned_;
const parseVia = parseVia_;
const parsePlainViaAt = parsePlainViaAt_;
const parsePlainNameAddrAt = parsePlainNameAddrAt_;
const parsePlainNameAddrListAt = parsePlainNameAddrListAt_;
const asciiBytes = asciiBytes_;
const skipSpTabAt = skipSpTabAt_;
const isToken = isToken_;
const splitTopLevel = splitTopLevel_;
const parseUri = parseUri_;
const parsePlainSipUriAt = parsePlainSipUriAt_;
const tokenEndAt = tokenEndAt_;

/**
 * A check returns the structured value it parsed (to seed the message's cache) or undefined. The value is `value`;
 * b[from, to) are its bytes, s[from - d, to - d) its text, where it was received (see ascii.ts), for the byte fast
 * paths. b is undefined when the value is not ASCII: only the general (string) path can read it. A check uses b
 * before its general path runs, never after (b may be asciiBytes' scratch, which the general path reuses).
 */
type Check = (
  value: string,
  msg: SipMessage,
  b: Uint8Array | undefined,
  s: string,
  d: number,
  from: number,
  to: number,
) => unknown;

const nameAddrList: Check = (value) => {
  for (const v of splitTopLevel(value)) {
    if (v === '') throw new SipSyntaxError('empty element in comma-separated list');
    parseNameAddr(v, true);
  }
};

const routeList: Check = (value, _msg, b, s, d, from, to) => {
  const plain = b === undefined ? undefined : parsePlainNameAddrListAt(b, s, d, from, to);
  if (plain !== undefined) return plain;
  const out: NameAddr[] = [];
  for (const v of splitTopLevel(value)) {
    if (v === '') throw new SipSyntaxError('empty element in comma-separated list');
    const na = parseNameAddr(v, true);
    if (!na.angled) throw new SipSyntaxError(`"${v}" must be a name-addr (URI in <>)`);
    out.push(na);
  }
  return out;
};

function checkTokenList(value: string, b: Uint8Array | undefined, from: number, to: number): void {
  if (b !== undefined && isTokenList(b, from, to)) return;
  // Something is wrong (or unusual): the element-by-element check names the culprit.
  for (const v of splitTopLevel(value))
    if (!isToken(v)) throw new SipSyntaxError(`"${v}" is not an option tag or token`);
}

const tokenList: Check = (value, _msg, b, _s, _d, from, to) => checkTokenList(value, b, from, to);

/** Lists that may be empty (Allow, Supported: §20.5, §20.37). */
const optionalTokenList: Check = (value, _msg, b, _s, _d, from, to) => {
  if (value.trim() !== '') checkTokenList(value, b, from, to);
};

/** token *( LWS "," LWS token ) in b[from, len), in one scan, without splitting (Allow, Supported ...; §25.1). */
function isTokenList(b: Uint8Array, from: number, len: number): boolean {
  let i = skipSpTabAt(b, from, len);
  for (;;) {
    const start = i;
    i = tokenEndAt(b, i, len);
    if (i === start) return false;
    i = skipSpTabAt(b, i, len);
    if (i === len) return true;
    if (b[i] !== 44) return false;
    i = skipSpTabAt(b, i + 1, len);
  }
}

/**
 * A conservative one-pass acceptor for credentials and challenges (§25.1 `auth-scheme LWS auth-param *(COMMA
 * auth-param)`) in b[from, len): true only for values parseAuthParams accepts, without building its Map. Anything
 * unusual (escapes in quoted strings, bytes that are not ASCII, odd spacing) returns false and parseAuthParams
 * gives the verdict.
 */
function isPlainAuthValue(b: Uint8Array, from: number, len: number): boolean {
  let i = tokenEndAt(b, from, len);
  if (i === from || i === len || (b[i] !== 32 && b[i] !== 9)) return false;
  i = skipSpTabAt(b, i, len);
  if (i === len) return false;
  for (;;) {
    const nameStart = i;
    i = tokenEndAt(b, i, len);
    if (i === nameStart) return false;
    i = skipSpTabAt(b, i, len);
    if (i >= len || b[i] !== 61) return false;
    i = skipSpTabAt(b, i + 1, len);
    if (i < len && b[i] === 34) {
      i++;
      for (;;) {
        if (i >= len) return false;
        const c = b[i]!;
        if (c === 92 || c >= 128) return false;
        i++;
        if (c === 34) break;
      }
    } else {
      const valueStart = i;
      i = tokenEndAt(b, i, len);
      if (i === valueStart) return false;
    }
    i = skipSpTabAt(b, i, len);
    if (i === len) return true;
    if (b[i] !== 44) return false;
    i = skipSpTabAt(b, i + 1, len);
    if (i === len) return false;
  }
}

const authValue: Check = (value, _msg, b, _s, _d, from, to) => {
  if (b === undefined || !isPlainAuthValue(b, from, to)) void parseAuthParams(value);
};

/** contact-params with a grammar of their own: expires = delta-seconds, q = qvalue (§25.1). */
function checkContactParams(na: NameAddr): NameAddr {
  const exp = na.params.get('expires');
  if (exp !== undefined) {
    if (exp === null) throw new SipSyntaxError('Contact expires parameter without a value');
    parseUnsigned(exp, 'Contact expires');
  }
  const q = na.params.get('q');
  if (q !== undefined && (q === null || !/^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(q)))
    throw new SipSyntaxError(`bad q value "${q}"`);
  return na;
}

/** callid = word [ "@" word ] (§25.1); word characters as a byte table. */
const WORD = new Uint8Array(256);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~()<>:\\"/[]?{}')
  WORD[ch.charCodeAt(0)] = 1;

/** callid in b[from, to), the value as received (its diagnostic quotes `value`); b undefined: not ASCII. */
function checkCallId(value: string, b: Uint8Array | undefined, from: number, to: number): void {
  if (to === from) throw new SipSyntaxError('empty Call-ID');
  if (b === undefined) throw new SipSyntaxError(`bad Call-ID "${value}"`); // word characters are all ASCII
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 64 && i > from && i < to - 1) {
      // the one "@" between two words: the rest are word characters
      for (let k = i + 1; k < to; k++) if (WORD[b[k]!] !== 1) throw new SipSyntaxError(`bad Call-ID "${value}"`);
      return;
    }
    if (WORD[c] !== 1) throw new SipSyntaxError(`bad Call-ID "${value}"`);
  }
}

const CHECKS: Record<string, Check> = {
  via: (value, _msg, b, s, d, from, to) => {
    const one = b === undefined ? undefined : parsePlainViaAt(b, s, d, from, to, true);
    if (one !== undefined) return [one];
    const out: Via[] = [];
    for (const v of splitTopLevel(value)) {
      if (v === '') throw new SipSyntaxError('empty element in Via list');
      out.push(parseVia(v, true));
    }
    return out;
  },
  from: (value, _msg, b, s, d, from, to) =>
    (b === undefined ? undefined : parsePlainNameAddrAt(b, s, d, from, to)) ?? parseNameAddr(value, true),
  to: (value, _msg, b, s, d, from, to) =>
    (b === undefined ? undefined : parsePlainNameAddrAt(b, s, d, from, to)) ?? parseNameAddr(value, true),
  'call-id': (value, _msg, b, _s, _d, from, to) => {
    checkCallId(value, b, from, to);
    return value;
  },
  cseq: (value, msg) => {
    const c = parseCSeq(value);
    if (msg.isRequest && c.method !== msg.method) {
      throw new SipSyntaxError(`CSeq method ${c.method} does not match the request method ${msg.method} (§8.1.1.5)`);
    }
    return c;
  },
  'max-forwards': (value) => parseUnsigned(value, 'Max-Forwards', 255),
  expires: (value) => parseUnsigned(value, 'Expires'),
  'min-expires': (value) => void parseUnsigned(value, 'Min-Expires'),
  'retry-after': (value) => {
    const m = /^([0-9]+)/.exec(value.trim());
    if (!m) throw new SipSyntaxError(`bad Retry-After "${value}"`);
    parseUnsigned(m[1]!, 'Retry-After');
  },
  contact: (value, _msg, b, s, d, from, to) => {
    const one = b === undefined ? undefined : parsePlainNameAddrAt(b, s, d, from, to);
    if (one !== undefined) return [checkContactParams(one)];
    const out: NameAddr[] = [];
    if (value.trim() === '*') return out;
    for (const v of splitTopLevel(value)) {
      if (v === '') throw new SipSyntaxError('empty element in Contact list');
      if (v === '*') throw new SipSyntaxError('"*" must be the only Contact value');
      out.push(checkContactParams(parseNameAddr(v, true)));
    }
    return out;
  },
  route: routeList,
  'record-route': routeList,
  path: routeList,
  'service-route': routeList,
  'reply-to': nameAddrList,
  'refer-to': (value) => void parseNameAddr(value, true),
  require: tokenList,
  'proxy-require': tokenList,
  supported: optionalTokenList,
  unsupported: tokenList,
  allow: optionalTokenList,
  'content-type': (value) => {
    if (!/^[A-Za-z0-9\-.!%*_+`'~]+[ \t]*\/[ \t]*[A-Za-z0-9\-.!%*_+`'~]+[ \t]*(;.*)?$/.test(value))
      throw new SipSyntaxError(`bad Content-Type "${value}"`);
  },
  date: (value) => {
    // SIP-date = rfc1123-date, always GMT (§20.17).
    if (!/^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/.test(value)) {
      throw new SipSyntaxError(`Date "${value}" is not an RFC 1123 date in GMT (§20.17)`);
    }
  },
  warning: (value) => {
    for (const v of splitTopLevel(value)) {
      if (!/^[0-9]{3} \S+ "/.test(v))
        throw new SipSyntaxError(`bad Warning "${v}": warn-code is three digits (§20.43)`);
    }
  },
  'www-authenticate': authValue,
  'proxy-authenticate': authValue,
  authorization: authValue,
  'proxy-authorization': authValue,
};

/**
 * Structured views that a list of header lines concatenates (Via, Contact, Route ...) vs the first line only. Each
 * has a slot number, so validateHeaders tracks them in small arrays and bit masks rather than per-message maps.
 */
const LIST_VIEWS = ['via', 'contact', 'route', 'record-route', 'path'];
const FIRST_VIEWS = ['from', 'to', 'cseq', 'call-id', 'max-forwards', 'expires'];

export interface KeyInfo {
  check: Check;
  /** Index in LIST_VIEWS, or -1. */
  list: number;
  /** Index in FIRST_VIEWS, or -1. */
  first: number;
  /** The message's view slot it seeds (viewSlotOf), or -1. */
  slot: number;
}

/** One lookup per header: its check and how its result seeds the message's views. */
const KEY_INFO = new Map<string, KeyInfo>(
  Object.entries(CHECKS).map(([key, check]) => [
    key,
    { check, list: LIST_VIEWS.indexOf(key), first: FIRST_VIEWS.indexOf(key), slot: viewSlotOf(key) },
  ]),
);
const LIST_SLOTS = LIST_VIEWS.map((key) => viewSlotOf(key));

/** The strict check of a header by its lower-case full name, or undefined when its value has no grammar here. */
export function keyInfo(key: string): KeyInfo | undefined {
  return KEY_INFO.get(key);
}

/**
 * infos[i], when given, is keyInfo(headers[i].key) already looked up by the parser (null: look it up here), so a
 * header spelled the usual way costs no map lookup. head is the header section as text and valueFrom/valueTo each
 * value's place in it (-1: folded, only the value string has it); bytes, when given, are the received bytes, with
 * bytes[k] = head.charCodeAt(k - delta) (see ascii.ts), so the checks read the values where they were received.
 */
export function validateHeaders(
  msg: SipMessage,
  errors: Diagnostic[],
  _warnings: Diagnostic[],
  infos?: Array<KeyInfo | undefined | null>,
  head?: string,
  valueFrom?: readonly number[],
  valueTo?: readonly number[],
  bytes?: Uint8Array,
  delta = 0,
): void {
  const inPlace = head !== undefined && bytes !== undefined;
  if (msg.isRequest) {
    try {
      // Request-Line = Method SP Request-URI SP SIP-Version with single spaces (§25.1), at the head's start.
      const from = delta + msg.method.length + 1;
      const uri =
        (inPlace ? parsePlainSipUriAt(bytes, head!, delta, from, from + msg.uriText.length) : undefined) ??
        parseUri(msg.uriText, { strict: true });
      if (uri.kind === 'sip' && uri.headers !== undefined) {
        throw new SipSyntaxError(
          `Request-URI "${msg.uriText}" carries ?headers, which a Request-URI must not (§19.1.1)`,
        );
      }
      msg.primeUri(uri);
    } catch (e) {
      errors.push({ message: `Request-URI: ${(e as Error).message}`, line: 1, kind: 'syntax' });
    }
  }
  // The values parsed here seed the message's views (msg.vias, msg.from ...), so reading fields after a strict
  // parse costs nothing more. A view is seeded only when every line of its header parsed.
  let lists: Array<unknown[] | undefined> | undefined;
  let failedLists = 0; // bit i: a line of LIST_VIEWS[i] failed
  let seenFirsts = 0; // bit i: the first line of FIRST_VIEWS[i] was checked
  const headers = msg.headers as Header[];
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const known = infos === undefined ? null : infos[i];
    const info =
      known === null || known === undefined
        ? known === undefined && infos !== undefined
          ? undefined
          : KEY_INFO.get(h.key)
        : known;
    if (info === undefined) continue;
    let parsed: unknown;
    try {
      const from = inPlace ? valueFrom![i]! : -1;
      if (from >= 0) parsed = info.check(h.value, msg, bytes, head!, delta, from + delta, valueTo![i]! + delta);
      else parsed = info.check(h.value, msg, asciiBytes(h.value), h.value, 0, 0, h.value.length);
    } catch (e) {
      errors.push({ message: `${h.name}: ${(e as Error).message}`, line: h.line, kind: 'syntax' });
      if (info.list >= 0) failedLists |= 1 << info.list;
      else if (info.first >= 0) seenFirsts |= 1 << info.first;
      continue;
    }
    if (info.list >= 0) {
      lists ??= [undefined, undefined, undefined, undefined, undefined];
      const l = lists[info.list];
      if (l === undefined) lists[info.list] = parsed as unknown[];
      else for (const x of parsed as unknown[]) l.push(x);
    } else if (info.first >= 0) {
      const bit = 1 << info.first;
      if ((seenFirsts & bit) !== 0) continue;
      seenFirsts |= bit;
      msg.primeSlot(info.slot, parsed);
    }
  }
  // Every line of these headers was checked: a list view with no line at all is empty (what its getter would find).
  for (let k = 0; k < LIST_SLOTS.length; k++) {
    if ((failedLists & (1 << k)) !== 0) continue;
    const l = lists === undefined ? undefined : lists[k];
    msg.primeSlot(LIST_SLOTS[k]!, l === undefined ? [] : l);
  }
}
