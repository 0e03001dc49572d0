/**
 * URIs: SIP and SIPS (RFC 3261 §19.1, ABNF §25.1), tel (RFC 3966) and any other absoluteURI (kept opaque), parsed
 * by a fast path for the common SIP URI and a general parser that gives the verdicts and diagnostics. The classes
 * live in uri-classes.ts, the host grammar in host.ts; both are re-exported here.
 */
import { asciiBytes as asciiBytes_, byteTable } from './ascii';
import { SipSyntaxError } from './errors';
import { checkHost as checkHost_, plainHostEnd as plainHostEnd_ } from './host';
import { Params } from './params';
import { AbsoluteUri, SipUri, TelUri, type Uri } from './uri-classes';

export * from './host';
export * from './uri-classes';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const ParamsClass = Params;
const SipUriClass = SipUri;
const asciiBytes = asciiBytes_;
const checkHost = checkHost_;
const plainHostEnd = plainHostEnd_;

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
  return SipUriClass.withPlainParams(scheme, user, host, port, s, paramsStart - d, to - d);
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
  return new SipUriClass(scheme, user, host, port, params, headers, password);
}
