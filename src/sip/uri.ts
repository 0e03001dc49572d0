/**
 * URIs: SIP and SIPS (RFC 3261 §19.1, ABNF §25.1), tel (RFC 3966) and any other absoluteURI (kept opaque).
 * IPv6 references follow RFC 5118 (§4.4: exactly two colons for "::" compression, no IPv4 shortcut errors).
 */
import { asciiBytes as asciiBytes_, byteTable } from './ascii';
import { SipSyntaxError } from './errors';
import { Params } from './lex';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const ParamsClass = Params;
const asciiBytes = asciiBytes_;

const UNRESERVED = "-_.!~*'()";
const USER_UNRESERVED = '&=+$,;?/';
const PASSWORD_EXTRA = '&=+$,';
const PARAM_UNRESERVED = '[]/:&+$';
const HNV_UNRESERVED = '[]/?:+$';

/** Lookup tables (one per character class) so character checks are one array read, not a regex per character. */
function charTable(extra: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) t[c] = 1;
  for (let c = 65; c <= 90; c++) t[c] = 1;
  for (let c = 97; c <= 122; c++) t[c] = 1;
  for (const ch of UNRESERVED + extra) t[ch.charCodeAt(0)] = 1;
  return t;
}
const TABLES = new Map<string, Uint8Array>();
const USER_CHARS = charTable(USER_UNRESERVED);
const PARAM_CHARS = charTable(PARAM_UNRESERVED);
TABLES.set(USER_UNRESERVED, USER_CHARS);
TABLES.set(PARAM_UNRESERVED, PARAM_CHARS);
/** The same classes for the byte scanners (256 entries: no bounds test per byte). */
const USER_BYTES = byteTable(USER_CHARS);
const PARAM_BYTES = byteTable(PARAM_CHARS);

/**
 * Where a plain host starting at b[from] ends: one scan that both finds the end (the first byte that cannot be in a
 * hostname or IPv4 address) and checks what it passed is a hostname or IPv4address (§25.1). -1 when it is empty or
 * not plain (IPv6 reference, bad label, trailing "." ...): the caller's general path then gives the verdict.
 */
export function plainHostEnd(b: Uint8Array, from: number, end: number): number {
  // A tight scan to the end of the host, OR-ing the classes of the bytes it passes (no branch per class);
  // `pairs` collects the classes two neighbours share, so ".." (an empty label) shows as HOST_DOT there.
  let i = from;
  let classes = 0;
  let pairs = 0;
  let prev = 0;
  while (i < end) {
    const k = HOST_CLASS[b[i]!]!;
    if (k === 0) break;
    classes |= k;
    pairs |= k & prev;
    prev = k;
    i++;
  }
  if (i === from || prev === HOST_DOT || prev === HOST_HYPHEN) return -1; // trailing "." or "-": general path
  if ((classes & (HOST_ALPHA | HOST_HYPHEN)) === 0) return isIPv4At(b, from, i) ? i : -1;
  // hostname = *( domainlabel "." ) toplabel: labels not empty, not starting or ending with "-"; the top label
  // starts with a letter (§25.1).
  const first = b[from]!;
  if ((pairs & HOST_DOT) !== 0 || first === 46 || first === 45) return -1;
  if ((classes & HOST_HYPHEN) !== 0) {
    for (let k = from + 1; k < i; k++) {
      if (b[k] !== 46) continue;
      if (b[k - 1] === 45 || b[k + 1] === 45) return -1;
    }
  }
  // The top label starts after the last dot: a short walk back from the host's end.
  let topStart = i - 1;
  while (topStart > from && b[topStart - 1] !== 46) topStart--;
  const top = b[topStart]!;
  return (top >= 97 && top <= 122) || (top >= 65 && top <= 90) ? i : -1;
}

const HOST_DIGIT = 1;
const HOST_ALPHA = 2;
const HOST_DOT = 4;
const HOST_HYPHEN = 8;
/** The class of each byte that can be in a hostname or IPv4 address; 0 for the rest. */
const HOST_CLASS = new Uint8Array(256);
for (let c = 48; c <= 57; c++) HOST_CLASS[c] = HOST_DIGIT;
for (let c = 65; c <= 90; c++) HOST_CLASS[c] = HOST_CLASS[c + 32] = HOST_ALPHA;
HOST_CLASS[46] = HOST_DOT;
HOST_CLASS[45] = HOST_HYPHEN;

/**
 * The common SIP URI in one scan, without slicing it into parts first: lower-case `sip:`/`sips:`, an optional user
 * of plain user characters, a host name or IPv4 address, an optional port, and parameters of plain characters.
 * Returns undefined for anything else (escapes, passwords, IPv6 references, ?headers, empty or odd parts): the
 * general parser below then gives the verdict and the diagnostic, so both paths accept and report alike.
 */
function parsePlainSipUri(text: string): SipUri | undefined {
  const b = asciiBytes(text);
  return b === undefined ? undefined : parsePlainSipUriAt(b, text, 0, 0, text.length);
}

/**
 * parsePlainSipUri of the bytes b[from, to), the text s[from - d, to - d) (see ascii.ts): the strict parser reads
 * the URIs where they were received.
 */
export function parsePlainSipUriAt(b: Uint8Array, s: string, d: number, from: number, to: number): SipUri | undefined {
  let scheme: 'sip' | 'sips';
  let i: number;
  if (b[from] !== 115 || b[from + 1] !== 105 || b[from + 2] !== 112) return undefined;
  if (b[from + 3] === 58) {
    scheme = 'sip';
    i = from + 4;
  } else if (b[from + 3] === 115 && b[from + 4] === 58) {
    scheme = 'sips';
    i = from + 5;
  } else return undefined;
  // userinfo ends at "@"; without one, the user characters read so far were the host's (all host characters are
  // user characters), and the host scan starts over.
  let user: string | undefined;
  let k = i;
  while (k < to && USER_BYTES[b[k]!] === 1) k++;
  if (k < to && b[k] === 64) {
    if (k === i) return undefined;
    user = s.slice(i - d, k - d);
    i = k + 1;
  }
  const hostStart = i;
  i = plainHostEnd(b, hostStart, to);
  if (i < 0) return undefined;
  const host = s.slice(hostStart - d, i - d);
  let port: number | undefined;
  if (i < to && b[i] === 58) {
    const digits = ++i;
    let n = 0;
    while (i < to && i - digits < 6) {
      const c = b[i]!;
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      i++;
    }
    if (i === digits || i - digits > 5 || n > 65535) return undefined;
    port = n;
  }
  if (i < to && b[i] !== 59) return undefined;
  const paramsStart = i;
  while (i < to) {
    // ";" pname [ "=" pvalue ], plain paramchars only (§25.1 uri-parameter): no ";" "=" or quotes inside, so
    // Params.lazy can split them later, if anything reads them.
    const nameStart = ++i;
    while (i < to && PARAM_BYTES[b[i]!] === 1) i++;
    if (i === nameStart) return undefined;
    if (i < to && b[i] === 61) {
      const valueStart = ++i;
      while (i < to && PARAM_BYTES[b[i]!] === 1) i++;
      if (i === valueStart) return undefined;
    }
    if (i < to && b[i] !== 59) return undefined;
  }
  return SipUri.withPlainParams(scheme, user, host, port, s, paramsStart - d, to - d);
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Checks `s` consists of unreserved characters, `extra`, or `%HH` escapes. */
function checkChars(s: string, extra: string, what: string): void {
  let t = TABLES.get(extra);
  if (!t) TABLES.set(extra, (t = charTable(extra)));
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && t[c] === 1) continue;
    if (c === 37) {
      if (!isHexDigit(s.charCodeAt(i + 1)) || !isHexDigit(s.charCodeAt(i + 2)))
        throw new SipSyntaxError(`bad escape "${s.slice(i, i + 3)}" in ${what}`);
      i += 2;
      continue;
    }
    throw new SipSyntaxError(`character "${s[i]}" not allowed in ${what} "${s}"`);
  }
}

function checkUriParam(name: string, value: string | null): void {
  checkChars(name, PARAM_UNRESERVED, 'URI parameter');
  if (value) checkChars(value, PARAM_UNRESERVED, 'URI parameter value');
}

/** Percent-decodes (RFC 3261 §19.1.4: escaped characters compare equal to their unescaped form). */
export function unescapeUri(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    // Not UTF-8 (e.g. %00 or a lone byte): decode byte-wise into latin1 so nothing is lost.
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

export function isIPv4(s: string): boolean {
  const b = asciiBytes(s);
  return b !== undefined && isIPv4At(b, 0, s.length);
}

/** isIPv4 of the bytes b[from, to). */
function isIPv4At(b: Uint8Array, from: number, to: number): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? b[i]! : 46;
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      value = value * 10 + (c - 48);
    } else return false;
  }
  return parts === 4;
}

/** RFC 3261 IPv6address (with RFC 5118 §4.4 errata applied): hex groups, at most one "::", optional IPv4 tail. */
export function isIPv6(s: string): boolean {
  if (s.length === 0) return false;
  const triple = s.indexOf(':::');
  if (triple >= 0) {
    // RFC 5118 §4.10: RFC 3261's ABNF (hexpart ":" IPv4address) lets "2001:db8:::192.0.2.1" through, and
    // receivers must tolerate it. Accept three colons only right before an IPv4 tail, meaning "::".
    const tail = s.slice(triple + 3);
    if (!isIPv4(tail) || s.indexOf(':::', triple + 1) >= 0) return false;
    return isIPv6(s.slice(0, triple) + '::' + tail);
  }
  let groups = s;
  let maxGroups = 8;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    groups = s.slice(0, lastColon + 1);
    if (!groups.endsWith('::')) groups = groups.slice(0, -1); // "::1.2.3.4" keeps its "::"
    maxGroups = 6;
  }
  const dbl = groups.indexOf('::');
  if (dbl !== groups.lastIndexOf('::')) return false;
  const isHex = (g: string) => /^[0-9A-Fa-f]{1,4}$/.test(g);
  if (dbl >= 0) {
    const left = groups.slice(0, dbl);
    const right = groups.slice(dbl + 2);
    const l = left === '' ? [] : left.split(':');
    const r = right === '' ? [] : right.split(':');
    if (!l.every(isHex) || !r.every(isHex)) return false;
    return l.length + r.length <= maxGroups - 1;
  }
  const g = groups.split(':');
  return g.length === maxGroups && g.every(isHex);
}

/**
 * True when `host` is a hostname or IPv4address (§25.1) — the quick test callers run before checkHost, which
 * throws with the diagnostic. It may answer false for unusual but valid hosts (IPv6 references, a trailing "."):
 * checkHost then decides.
 */
export function isPlainHost(host: string): boolean {
  const len = host.length;
  let labelStart = 0;
  let digitsAndDots = true;
  for (let i = 0; i < len; i++) {
    const c = host.charCodeAt(i);
    if (c === 46) {
      // domainlabel: not empty, not ending in "-"
      if (i === labelStart || host.charCodeAt(i - 1) === 45) return false;
      labelStart = i + 1;
    } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) digitsAndDots = false;
    else if (c === 45) {
      if (i === labelStart) return false;
      digitsAndDots = false;
    } else if (c < 48 || c > 57) return false;
  }
  if (labelStart === len || host.charCodeAt(len - 1) === 45) return false;
  if (digitsAndDots) return isIPv4(host);
  // toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
  const top = host.charCodeAt(labelStart);
  return (top >= 97 && top <= 122) || (top >= 65 && top <= 90);
}

/** Validates a `host` per §25.1: hostname, IPv4address or IPv6reference. One pass, no regular expressions. */
export function checkHost(host: string): void {
  const len = host.length;
  if (len === 0) throw new SipSyntaxError('empty host');
  if (host.charCodeAt(0) === 91) {
    if (host.charCodeAt(len - 1) !== 93 || !isIPv6(host.slice(1, -1)))
      throw new SipSyntaxError(`bad IPv6 reference "${host}"`);
    return;
  }
  // hostname = *( domainlabel "." ) toplabel [ "." ]; domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
  let allDigitsAndDots = true;
  let labelStart = 0;
  let lastLabelStart = 0;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? host.charCodeAt(i) : 46;
    if (c === 46) {
      if (i === len && i === labelStart && i > 0) break; // trailing "." is allowed
      if (i === labelStart || host.charCodeAt(i - 1) === 45) throw new SipSyntaxError(`bad hostname "${host}"`);
      lastLabelStart = labelStart;
      labelStart = i + 1;
      continue;
    }
    const digit = c >= 48 && c <= 57;
    if (!digit) allDigitsAndDots = false;
    if (digit || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) continue;
    if (c === 45 && i !== labelStart) continue;
    throw new SipSyntaxError(`bad hostname "${host}"`);
  }
  if (allDigitsAndDots) {
    if (!isIPv4(host)) throw new SipSyntaxError(`bad IPv4 address "${host}"`);
    return;
  }
  const top = host.charCodeAt(lastLabelStart);
  if (!((top >= 65 && top <= 90) || (top >= 97 && top <= 122)))
    throw new SipSyntaxError(`bad hostname "${host}": top label must start with a letter`);
}

export type Uri = SipUri | TelUri | AbsoluteUri;

export class SipUri {
  readonly kind = 'sip' as const;
  // The parameters, or (params undefined) where the parser left them: plain `;name[=value]` text in
  // paramsSrc[paramsFrom, paramsTo), turned into a Params object only when something asks for it.
  private params_: Params | undefined;
  private paramsSrc: string | undefined = undefined;
  private paramsFrom = 0;
  private paramsTo = 0;

  constructor(
    public scheme: 'sip' | 'sips',
    public user: string | undefined,
    public host: string,
    public port?: number,
    params?: Params,
    /** The `?h=v&...` part, raw (without the `?`). */
    public headers?: string,
    public password?: string,
  ) {
    this.params_ = params;
  }

  /** A URI whose plain parameters (already checked) are src[from, to); see Params.lazy. */
  static withPlainParams(
    scheme: 'sip' | 'sips',
    user: string | undefined,
    host: string,
    port: number | undefined,
    src: string,
    from: number,
    to: number,
  ): SipUri {
    const u = new SipUri(scheme, user, host, port, undefined);
    u.paramsSrc = src;
    u.paramsFrom = from;
    u.paramsTo = to;
    return u;
  }

  get params(): Params {
    if (this.params_ === undefined) {
      this.params_ =
        this.paramsSrc === undefined
          ? new ParamsClass()
          : ParamsClass.lazy(this.paramsSrc, this.paramsFrom, this.paramsTo);
      this.paramsSrc = undefined;
    }
    return this.params_;
  }
  set params(p: Params) {
    this.params_ = p;
    this.paramsSrc = undefined;
  }

  /** The host without IPv6 brackets, as node's socket APIs want it. */
  get hostname(): string {
    return this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
  }

  /** The user part with %HH escapes decoded (RFC 3261 §19.1.4: `%75se%72` and `user` are the same user). */
  get userUnescaped(): string | undefined {
    return this.user === undefined ? undefined : unescapeUri(this.user);
  }

  /** A URI parameter's value with %HH escapes decoded, by its decoded name (`%6C%72` is `lr`). */
  paramUnescaped(name: string): string | null | undefined {
    const want = name.toLowerCase();
    for (const n of this.params.names()) {
      if (unescapeUri(n).toLowerCase() === want) {
        const v = this.params.get(n);
        return v === null || v === undefined ? v : unescapeUri(v);
      }
    }
    return undefined;
  }

  get transport(): string | undefined {
    const t = this.params.get('transport');
    return t ? t.toLowerCase() : undefined;
  }

  clone(): SipUri {
    return new SipUri(this.scheme, this.user, this.host, this.port, this.params.clone(), this.headers, this.password);
  }

  /** The AOR form `sip:user@host`, as used to key registrations (§10.3 step 5: URI without parameters). */
  aor(): string {
    const user = this.user === undefined ? '' : unescapeUri(this.user) + '@';
    return `${this.scheme}:${user}${this.host.toLowerCase()}`;
  }

  toString(): string {
    let s = this.scheme + ':';
    if (this.user !== undefined) {
      s += this.user;
      if (this.password !== undefined) s += ':' + this.password;
      s += '@';
    }
    s += this.host;
    if (this.port !== undefined) s += ':' + this.port;
    s +=
      this.params_ === undefined
        ? this.paramsSrc === undefined
          ? ''
          : this.paramsSrc.slice(this.paramsFrom, this.paramsTo)
        : this.params_.toString();
    if (this.headers !== undefined) s += '?' + this.headers;
    return s;
  }
}

export class TelUri {
  readonly kind = 'tel' as const;
  constructor(
    public number: string,
    public params: Params = new ParamsClass(),
  ) {}
  toString(): string {
    return 'tel:' + this.number + this.params.toString();
  }
}

/** Any other scheme (RFC 3261 §19.1: absoluteURI); kept as text. */
export class AbsoluteUri {
  readonly kind = 'absolute' as const;
  constructor(
    public scheme: string,
    public rest: string,
  ) {}
  toString(): string {
    return this.scheme + ':' + this.rest;
  }
}

export interface UriParseOptions {
  /** Strict: every character checked against §25.1. Lenient: structure only. */
  strict?: boolean;
}

export function parseUri(text: string, opts?: UriParseOptions): Uri {
  return parseUriText(text, opts?.strict ?? true);
}

/** parseUri with the strictness as a plain flag (no options object on the hot path). */
export function parseUriText(text: string, strict: boolean): Uri {
  return parsePlainSipUri(text) ?? parseUriGeneral(text, strict);
}

/**
 * The general URI parser alone, without the fast path in front of it: what gives the verdicts and diagnostics.
 * Exported so tests can check that the fast path accepts nothing it rejects and reads everything alike.
 */
export function parseUriGeneral(text: string, strict: boolean): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SipSyntaxError(`"${text}" is not a URI (no scheme)`);
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  for (let i = 0; i < colon; i++) {
    const c = text.charCodeAt(i);
    const alpha = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    if (!alpha && (i === 0 || !((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46))) {
      throw new SipSyntaxError(`bad URI scheme "${text.slice(0, colon)}"`);
    }
  }
  const scheme = text.slice(0, colon);
  const lower = scheme === 'sip' || scheme === 'sips' || scheme === 'tel' ? scheme : scheme.toLowerCase();
  const rest = text.slice(colon + 1);
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c <= 32 || c === 60 || c === 62 || c === 34 || c === 0x7f || c === 0xa0)
      throw new SipSyntaxError(`whitespace or <>" inside URI "${text}"`);
  }
  if (lower === 'sip' || lower === 'sips') return parseSipUri(lower, rest, strict);
  if (lower === 'tel') {
    const semi = rest.indexOf(';');
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (strict && !isTelNumber(number)) throw new SipSyntaxError(`bad tel number "${number}"`);
    return new TelUri(number, semi < 0 ? new ParamsClass() : ParamsClass.parse(rest.slice(semi + 1)));
  }
  if (rest === '') throw new SipSyntaxError(`empty URI after "${scheme}:"`);
  return new AbsoluteUri(scheme, rest);
}

/**
 * RFC 3966 §3: global-number = "+" 1*phonedigit with at least one DIGIT; local-number = 1*phonedigit-hex with at
 * least one HEXDIG / "*" / "#". Visual separators are "-", ".", "(", ")".
 */
function isTelNumber(n: string): boolean {
  const global = n.charCodeAt(0) === 43;
  let significant = false;
  for (let i = global ? 1 : 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c === 45 || c === 46 || c === 40 || c === 41) continue;
    if (c >= 48 && c <= 57) significant = true;
    else if (!global && ((c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 42 || c === 35)) significant = true;
    else return false;
  }
  return significant;
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string, strict: boolean): SipUri {
  let user: string | undefined;
  let password: string | undefined;
  let hostPart = rest;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const pc = userinfo.indexOf(':');
    user = pc >= 0 ? userinfo.slice(0, pc) : userinfo;
    password = pc >= 0 ? userinfo.slice(pc + 1) : undefined;
    if (user === '') throw new SipSyntaxError(`empty user part in "${scheme}:${rest}"`);
    if (strict) {
      checkChars(user, USER_UNRESERVED, 'URI user');
      if (password !== undefined) checkChars(password, PASSWORD_EXTRA, 'URI password');
    }
  }
  let i = 0;
  let host: string;
  if (hostPart.startsWith('[')) {
    const close = hostPart.indexOf(']');
    if (close < 0) throw new SipSyntaxError(`unterminated IPv6 reference in "${scheme}:${rest}"`);
    host = hostPart.slice(0, close + 1);
    i = close + 1;
  } else {
    while (i < hostPart.length) {
      const c = hostPart.charCodeAt(i);
      if (c === 58 || c === 59 || c === 63) break;
      i++;
    }
    host = hostPart.slice(0, i);
    // RFC 5118 §4.2: an IPv6 address in a URI must be an IPv6reference, in brackets.
    if (hostPart.charCodeAt(i) === 58) {
      let e = i + 1;
      let colons = 1;
      for (; e < hostPart.length; e++) {
        const c = hostPart.charCodeAt(e);
        if (c === 59 || c === 63) break;
        if (c === 58) colons++;
      }
      const hostport = hostPart.slice(0, e);
      if (colons > 1)
        throw new SipSyntaxError(
          `IPv6 address "${hostport}" must be enclosed in [] in a URI (RFC 3261 §25.1, RFC 5118 §4.2)`,
        );
    }
  }
  if (strict) checkHost(host);
  else if (host === '') throw new SipSyntaxError(`empty host in "${scheme}:${rest}"`);
  let port: number | undefined;
  if (hostPart[i] === ':') {
    let j = i + 1;
    while (j < hostPart.length && hostPart.charCodeAt(j) >= 48 && hostPart.charCodeAt(j) <= 57) j++;
    const digits = hostPart.slice(i + 1, j);
    if (digits === '' || digits.length > 5 || Number(digits) > 65535)
      throw new SipSyntaxError(`bad port "${hostPart.slice(i + 1, j + 1)}" in URI`);
    port = Number(digits);
    i = j;
  }
  let params = new ParamsClass();
  let headers: string | undefined;
  const q = hostPart.indexOf('?', i);
  const paramText = q >= 0 ? hostPart.slice(i, q) : hostPart.slice(i);
  if (q >= 0) headers = hostPart.slice(q + 1);
  if (paramText !== '') {
    if (paramText[0] !== ';') throw new SipSyntaxError(`unexpected "${paramText}" after host in URI`);
    params = ParamsClass.parse(paramText.slice(1), { quotedValues: false });
    if (strict) {
      params.forEach(checkUriParam);
    }
  }
  if (strict && headers !== undefined) {
    for (const h of headers.split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) throw new SipSyntaxError(`bad URI header "${h}"`);
      checkChars(h.slice(0, eq), HNV_UNRESERVED, 'URI header name');
      checkChars(h.slice(eq + 1), HNV_UNRESERVED, 'URI header value');
    }
  }
  return new SipUri(scheme, user, host, port, params, headers, password);
}
