/**
 * Structured header values: name-addr / addr-spec (From, To, Contact, Route, Record-Route, Path; RFC 3261 §20.10,
 * §25.1), Via (§20.42), CSeq (§20.16), and small integer headers.
 */
import {
  asciiBytes as asciiBytes_,
  bytesAre as bytesAre_,
  portAt as portAt_,
  skipSpTabAt as skipSpTabAt_,
  tokenEndAt as tokenEndAt_,
} from './ascii';
import { SipSyntaxError } from './errors';
import { Params, TOKEN_CHARS, isToken as isToken_, quote as quote_, readQuoted as readQuoted_ } from './lex';

// Module-local copies of the tiny lexical helpers used per character: calls across modules go through export
// accessors in the CommonJS output, which costs more than the work itself on the hot path.
const TOKEN = TOKEN_CHARS;

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) i++;
    else break;
  }
  return i;
}
import {
  SipUri,
  Uri,
  checkHost as checkHost_,
  isIPv6 as isIPv6_,
  isPlainHost as isPlainHost_,
  parsePlainSipUriAt as parsePlainSipUriAt_,
  parseUriText as parseUriText_,
  plainHostEnd as plainHostEnd_,
} from './uri';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const isToken = isToken_;
const quote = quote_;
const readQuoted = readQuoted_;
const checkHost = checkHost_;
const isPlainHost = isPlainHost_;
const isIPv6 = isIPv6_;
const plainHostEnd = plainHostEnd_;
const parsePlainSipUriAt = parsePlainSipUriAt_;
const parseUriText = parseUriText_;
const ParamsClass = Params;
const asciiBytes = asciiBytes_;
const bytesAre = bytesAre_;
const portAt = portAt_;
const skipSpTabAt = skipSpTabAt_;
const tokenEndAt = tokenEndAt_;

export class NameAddr {
  constructor(
    public uri: Uri,
    public displayName?: string,
    public params: Params = new ParamsClass(),
    /** True when the URI was written inside `<...>` (required when it carries `;`, `,` or `?`). */
    public angled = true,
  ) {}

  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }

  get sipUri(): SipUri | undefined {
    return this.uri.kind === 'sip' ? this.uri : undefined;
  }

  clone(): NameAddr {
    const uri = this.uri.kind === 'sip' ? this.uri.clone() : this.uri;
    return new NameAddr(uri, this.displayName, this.params.clone(), this.angled);
  }

  toString(): string {
    let s = '';
    if (this.displayName !== undefined && this.displayName !== '') {
      // Unquoted only when it reads back identically: tokens separated by single spaces (§25.1 display-name).
      const words = this.displayName.split(' ');
      s += (words.every(isToken) ? this.displayName : quote(this.displayName)) + ' ';
    }
    s += '<' + this.uri.toString() + '>';
    return s + this.params.toString();
  }
}

export function parseNameAddr(text: string, strict = true): NameAddr {
  const s = text.trim();
  if (s === '') throw new SipSyntaxError('empty name-addr');
  let i = 0;
  let displayName: string | undefined;
  if (s[0] === '"') {
    const q = readQuoted(s, 0);
    displayName = q.value;
    i = skipWs(s, q.end);
    if (s[i] !== '<') throw new SipSyntaxError(`expected "<" after display name in "${s}"`);
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      const dn = s.slice(0, lt).trim();
      if (dn !== '') {
        if (isPlainDisplayName(dn)) displayName = dn;
        else {
          // display-name = *(token LWS): every word a token.
          if (strict && !dn.split(/[ \t\r\n]+/).every(isToken))
            throw new SipSyntaxError(`display name "${dn}" must be quoted`);
          displayName = dn.replace(/[ \t\r\n]+/g, ' ');
        }
      }
      i = lt;
    }
  }
  if (s[i] === '<') {
    const gt = s.indexOf('>', i);
    if (gt < 0) throw new SipSyntaxError(`missing ">" in "${s}"`);
    const uriText = s.slice(i + 1, gt);
    let uri: Uri;
    if (gt > i + 1 && isVisibleAscii(uriText.charCodeAt(0)) && isVisibleAscii(uriText.charCodeAt(uriText.length - 1))) {
      uri = parseUriText(uriText, strict); // nothing to trim
    } else {
      if (strict && uriText !== uriText.trim()) throw new SipSyntaxError(`whitespace inside <> in "${s}"`);
      uri = parseUriText(uriText.trim(), strict);
    }
    const r = skipWs(s, gt + 1);
    if (r === s.length) return new NameAddr(uri, displayName, new ParamsClass(), true);
    if (s.charCodeAt(r) !== 59) throw new SipSyntaxError(`unexpected "${s.slice(r)}" after ">"`);
    const b = asciiBytes(s);
    if (b !== undefined && plainParamsEnd(b, r, s.length, false) === s.length)
      return new NameAddr(uri, displayName, ParamsClass.lazy(s, r, s.length), true);
    return new NameAddr(uri, displayName, ParamsClass.parseRange(s, r + 1, s.length, true), true);
  }
  // addr-spec: the URI ends at the first ';' — everything after belongs to the header (§20.10).
  const semi = s.indexOf(';');
  const uriText = semi < 0 ? s : s.slice(0, semi);
  if (/\s/.test(uriText.trim())) throw new SipSyntaxError(`space in URI "${uriText.trim()}"`);
  const uri = parseUriText(uriText.trim(), strict);
  if (strict && uri.kind === 'sip' && uri.headers !== undefined)
    throw new SipSyntaxError(`URI with "?" must be enclosed in <> in "${s}"`);
  const params = semi < 0 ? new ParamsClass() : ParamsClass.parse(s.slice(semi + 1));
  return new NameAddr(uri, undefined, params, false);
}

/**
 * The usual name-addr read in place from the bytes b[from, to), the text s[from - d, to - d) (see ascii.ts): an
 * optional display-name (a quoted string without escapes, or tokens separated by single spaces), `<` a plain SIP
 * URI `>`, and plain parameters right after it. undefined for anything else, including a comma after the `>` (a
 * list: see parsePlainNameAddrListAt): parseNameAddr's general path then decides and explains. It gives what
 * parseNameAddr gives for the same text.
 */
export function parsePlainNameAddrAt(
  b: Uint8Array,
  s: string,
  d: number,
  from: number,
  to: number,
): NameAddr | undefined {
  const na = plainNameAddr(b, s, d, from, to, false);
  return na !== undefined && plainEnd === to ? na : undefined;
}

/**
 * A comma-separated list of plain name-addrs (Route, Record-Route, Path: §20.30, §20.34) read in place, as
 * parsePlainNameAddrAt reads one: `, ` between them, SP or HTAB around the commas. undefined for anything else
 * (an empty element, a quoted comma ...): splitTopLevel and parseNameAddr then decide and explain.
 */
export function parsePlainNameAddrListAt(
  b: Uint8Array,
  s: string,
  d: number,
  from: number,
  to: number,
): NameAddr[] | undefined {
  const out: NameAddr[] = [];
  let i = from;
  for (;;) {
    const na = plainNameAddr(b, s, d, i, to, true);
    if (na === undefined) return undefined;
    out.push(na);
    i = skipSpTabAt(b, plainEnd, to);
    if (i === to) return out;
    if (b[i] !== 44) return undefined;
    i = skipSpTabAt(b, i + 1, to);
  }
}

/** Where plainNameAddr stopped: `to`, or in a list the byte after the element (a comma, SP or HTAB). */
let plainEnd = 0;

function plainNameAddr(
  b: Uint8Array,
  s: string,
  d: number,
  from: number,
  to: number,
  inList: boolean,
): NameAddr | undefined {
  let i = from;
  let displayName: string | undefined;
  const first = b[i];
  if (first === 34) {
    // quoted-string with qdtext only (ASCII, no escapes), then optional SP before "<"
    let j = i + 1;
    for (; j < to; j++) {
      const c = b[j]!;
      if (c === 34 || c === 92 || c < 32 || c > 126) break;
    }
    if (j >= to || b[j] !== 34) return undefined;
    displayName = s.slice(i + 1 - d, j - d);
    i = j + 1;
    while (i < to && b[i] === 32) i++;
  } else if (first !== 60) {
    // *(token LWS): tokens separated by single spaces (what parseNameAddr keeps as it is)
    let j = i;
    let wordEnd: number;
    for (;;) {
      const k = tokenEndAt(b, j, to);
      if (k === j) return undefined;
      wordEnd = k;
      if (k < to && b[k] === 32) {
        j = k + 1;
        if (b[j] === 60) break;
        continue;
      }
      j = k;
      break;
    }
    displayName = s.slice(i - d, wordEnd - d);
    i = j;
  }
  if (i >= to || b[i] !== 60) return undefined;
  // The ">" by a string search (memchr speed); URI characters never include it.
  const gt = s.indexOf('>', i + 1 - d) + d;
  if (gt < i || gt >= to) return undefined;
  const uri = parsePlainSipUriAt(b, s, d, i + 1, gt);
  if (uri === undefined) return undefined;
  const r = gt + 1;
  if (r === to || (inList && (b[r] === 44 || b[r] === 32 || b[r] === 9))) {
    plainEnd = r;
    return new NameAddr(uri, displayName, new ParamsClass(), true);
  }
  const e = plainParamsEnd(b, r, to, inList);
  if (e < 0) return undefined;
  plainEnd = e;
  return new NameAddr(uri, displayName, ParamsClass.lazy(s, r - d, e - d), true);
}

/**
 * Where the parameters at b[from] end, or -1. They are `;token[=token]...` or `;token="..."` with nothing else (no
 * LWS around them, no escapes, no ";" or "=" inside the quotes, which Params.lazy splits on): parameters that
 * Params.lazy can split later, and that Params.parseRange would read the same way (§25.1 generic-param, gen-value =
 * token / host / quoted-string). They end at `to`, or in a list at a comma, SP or HTAB.
 */
function plainParamsEnd(b: Uint8Array, from: number, to: number, inList: boolean): number {
  let i = from;
  while (i < to) {
    if (b[i] !== 59) return inList && (b[i] === 44 || b[i] === 32 || b[i] === 9) && i > from ? i : -1;
    const nameStart = ++i;
    i = tokenEndAt(b, i, to);
    if (i === nameStart) return -1;
    if (i < to && b[i] === 61) {
      const valueStart = ++i;
      if (b[i] === 34) {
        // qdtext = LWS / %x21 / %x23-5B / %x5D-7E (ASCII only here; the general path takes the rest)
        for (i++; i < to; i++) {
          const c = b[i]!;
          if (c === 34 || c === 59 || c === 61 || c === 92 || c < 32 || c > 126) break;
        }
        if (i >= to || b[i] !== 34) return -1;
        i++;
      } else {
        i = tokenEndAt(b, i, to);
        if (i === valueStart) return -1;
      }
    }
  }
  return i;
}

function isVisibleAscii(c: number): boolean {
  return c > 32 && c < 127;
}

/** Tokens separated by single spaces: a display-name that needs neither checking word by word nor normalizing. */
function isPlainDisplayName(dn: string): boolean {
  let prevSpace = true;
  for (let i = 0; i < dn.length; i++) {
    const c = dn.charCodeAt(i);
    if (c === 32) {
      if (prevSpace) return false;
      prevSpace = true;
    } else if (c < 128 && TOKEN[c] === 1) prevSpace = false;
    else return false;
  }
  return !prevSpace;
}

/** A Contact value: a name-addr, or `*` (RFC 3261 §10.2.2). */
export type Contact = NameAddr & { star?: false };
export const STAR = '*';

export function contactExpires(c: NameAddr): number | undefined {
  const v = c.params.get('expires');
  if (v === undefined || v === null) return undefined;
  if (!/^[0-9]+$/.test(v)) return undefined;
  return Number(v);
}

export class Via {
  constructor(
    public transport: string,
    public host: string,
    public port?: number,
    public params: Params = new ParamsClass(),
    public protocol = 'SIP/2.0',
  ) {}

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }
  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }
  /** `null` when `;rport` is present without a value (a request for symmetric response routing, RFC 3581). */
  get rport(): number | null | undefined {
    const v = this.params.get('rport');
    if (v === undefined) return undefined;
    if (v === null) return null;
    return Number(v);
  }
  get maddr(): string | undefined {
    return this.params.get('maddr') ?? undefined;
  }
  get ttl(): number | undefined {
    const v = this.params.get('ttl');
    return v ? Number(v) : undefined;
  }
  /** The sent-by as `host[:port]`. */
  get sentBy(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  clone(): Via {
    return new Via(this.transport, this.host, this.port, this.params.clone(), this.protocol);
  }

  toString(): string {
    return `${this.protocol}/${this.transport} ${this.sentBy}${this.params.toString()}`;
  }
}

/** A token of `s` from `i` up to a char that is not a token char; returns its end. */
function tokenEnd(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}

/** A port (1*DIGIT, at most 65535) given as text, or -1. */
function portOfText(t: string): number {
  return /^[0-9]{1,5}$/.test(t) && Number(t) <= 65535 ? Number(t) : -1;
}

function isDigits(s: string, max: number): boolean {
  if (s.length === 0 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The strict checks of the via-params whose values have a grammar (§25.1 via-ttl, via-received, via-branch; RFC 3581). */
function checkViaParams(params: Params): void {
  const branch = params.get('branch');
  if (branch === null || branch === '') throw new SipSyntaxError('Via branch parameter without a value');
  const received = params.get('received');
  if (received !== undefined) {
    if (received === null) throw new SipSyntaxError('Via received parameter without a value');
    // via-received = "received" EQUAL (IPv4address / IPv6address); RFC 5118 §4.5: accept it with or without [].
    if (received.charCodeAt(0) === 91) checkHost(received);
    else if (received.includes(':')) {
      if (!isIPv6(received)) throw new SipSyntaxError(`bad IPv6 address "${received}" in received`);
    } else if (!isPlainHost(received)) checkHost(received);
  }
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && portOfText(rport) < 0)
    throw new SipSyntaxError(`bad rport "${rport}" in Via`);
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !isDigits(ttl, 3) || Number(ttl) > 255))
    throw new SipSyntaxError(`bad ttl in Via`);
}

/**
 * The usual Via in one scan: `SIP/2.0/TRANSPORT SP host[:port]` and `;name[=value]` parameters of token characters,
 * no LWS anywhere else. undefined for anything else (IPv6, quoted values, odd spacing...): parseVia's general path
 * then decides and explains.
 */
function parsePlainVia(s: string, strict: boolean): Via | undefined {
  const b = asciiBytes(s);
  return b === undefined ? undefined : parsePlainViaAt(b, s, 0, 0, s.length, strict);
}

/**
 * parsePlainVia of the bytes b[from, len), the text s[from - d, len - d) (see ascii.ts): the strict parser reads the
 * value where it was received. A comma or quote ends the plain form (undefined), so a Via list goes to the general
 * path.
 */
export function parsePlainViaAt(
  b: Uint8Array,
  s: string,
  d: number,
  from: number,
  len: number,
  strict: boolean,
): Via | undefined {
  // "SIP/2.0/"
  if (
    b[from] !== 83 ||
    b[from + 1] !== 73 ||
    b[from + 2] !== 80 ||
    b[from + 3] !== 47 ||
    b[from + 4] !== 50 ||
    b[from + 5] !== 46 ||
    b[from + 6] !== 48 ||
    b[from + 7] !== 47
  )
    return undefined;
  const transportStart = from + 8;
  let i = tokenEndAt(b, transportStart, len);
  if (i === transportStart || i >= len || b[i] !== 32) return undefined;
  const transportEnd = i;
  const hostStart = i + 1;
  i = plainHostEnd(b, hostStart, len);
  if (i < 0) return undefined;
  const hostEnd = i;
  let port: number | undefined;
  if (i < len && b[i] === 58) {
    const digits = i + 1;
    i = digits;
    while (i < len && b[i]! >= 48 && b[i]! <= 57) i++;
    const p = portAt(b, digits, i);
    if (p < 0) return undefined;
    port = p;
  }
  const paramsStart = i;
  while (i < len) {
    // ";" token [ "=" token ]: no ";" "=" or quotes inside, so Params.lazy can split them later.
    if (b[i] !== 59) return undefined;
    const nameStart = i + 1;
    i = tokenEndAt(b, nameStart, len);
    if (i === nameStart) return undefined;
    const nameEnd = i;
    let valueStart = -1;
    if (i < len && b[i] === 61) {
      valueStart = i + 1;
      i = tokenEndAt(b, valueStart, len);
      if (i === valueStart) return undefined;
    }
    if (strict && !plainViaParamOk(b, nameStart, nameEnd, valueStart, i)) return undefined;
  }
  const t =
    transportEnd - transportStart === 3 &&
    b[transportStart] === 85 &&
    b[transportStart + 1] === 68 &&
    b[transportStart + 2] === 80
      ? 'UDP'
      : transportEnd - transportStart === 3 &&
          b[transportStart] === 84 &&
          b[transportStart + 1] === 67 &&
          b[transportStart + 2] === 80
        ? 'TCP'
        : s.slice(transportStart - d, transportEnd - d).toUpperCase();
  return new Via(
    t,
    s.slice(hostStart - d, hostEnd - d),
    port,
    ParamsClass.lazy(s, paramsStart - d, len - d),
    'SIP/2.0',
  );
}

/**
 * checkViaParams for one plain parameter, by position: false when the general path must decide (and explain).
 * via-branch needs a value; via-received is an address (RFC 5118 §4.5: parseVia's general path handles IPv6);
 * rport (RFC 3581) a port; via-ttl 1*3DIGIT ≤ 255 (§25.1).
 */
function plainViaParamOk(
  b: Uint8Array,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
): boolean {
  const first = b[nameStart]! | 32;
  if (first !== 98 && first !== 114 && first !== 116) return true; // not b(ranch), r(eceived|port), t(tl)
  switch (nameEnd - nameStart) {
    case 6:
      return valueStart >= 0 || !bytesAre(b, nameStart, nameEnd, 'branch');
    case 8:
      return (
        !bytesAre(b, nameStart, nameEnd, 'received') ||
        (valueStart >= 0 && plainHostEnd(b, valueStart, valueEnd) === valueEnd)
      );
    case 5:
      return valueStart < 0 || !bytesAre(b, nameStart, nameEnd, 'rport') || portAt(b, valueStart, valueEnd) >= 0;
    case 3:
      return (
        !bytesAre(b, nameStart, nameEnd, 'ttl') ||
        (valueStart >= 0 && valueEnd - valueStart <= 3 && ttlAt(b, valueStart, valueEnd) <= 255)
      );
    default:
      return true;
  }
}

/** 1*3DIGIT in b[from, to) as a number, or 256 (out of range) when it is not digits. */
function ttlAt(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c < 48 || c > 57) return 256;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ) (§20.42, §25.1). One scan by char code; LWS is allowed
 * around the slashes of sent-protocol and around ":" of sent-by.
 */
export function parseVia(text: string, strict = true): Via {
  return parsePlainVia(text, strict) ?? parseViaGeneral(text, strict);
}

/** parseVia's general path alone, without the fast path in front of it (for tests that check the two agree). */
export function parseViaGeneral(text: string, strict = true): Via {
  const s = text;
  let end = s.length;
  while (end > 0 && isWsOrNl(s.charCodeAt(end - 1))) end--;
  let i = skipWs(s, 0);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  let j = tokenEnd(s, i, end);
  if (j === i) throw badSentProtocol(s, end);
  const nameStart = i;
  const nameEnd = j;
  i = skipWs(s, j);
  if (s.charCodeAt(i) !== 47) throw badSentProtocol(s, end);
  i = skipWs(s, i + 1);
  j = tokenEnd(s, i, end);
  if (j === i) throw badSentProtocol(s, end);
  const versionStart = i;
  const versionEnd = j;
  i = skipWs(s, j);
  if (s.charCodeAt(i) !== 47) throw badSentProtocol(s, end);
  i = skipWs(s, i + 1);
  j = tokenEnd(s, i, end);
  if (j === i) throw badSentProtocol(s, end);
  const transport = s.slice(i, j);
  if (j < end && !isWsOrNl(s.charCodeAt(j))) throw badSentProtocol(s, end);
  let protocol = 'SIP/2.0';
  if (!isSip20(s, nameStart, nameEnd, versionStart, versionEnd)) {
    const name = s.slice(nameStart, nameEnd);
    const version = s.slice(versionStart, versionEnd);
    protocol = `${name}/${version}`.toUpperCase();
    if (strict && protocol !== 'SIP/2.0') throw new SipSyntaxError(`Via protocol "${name}/${version}" is not SIP/2.0`);
  }
  i = skipWs(s, j);
  // sent-by = host [ COLON port ], up to the first ";" (or the end).
  let semi = s.indexOf(';', i);
  if (semi < 0 || semi > end) semi = end;
  let sbEnd = semi;
  while (sbEnd > i && isWsOrNl(s.charCodeAt(sbEnd - 1))) sbEnd--;
  if (sbEnd === i) throw new SipSyntaxError(`Via "${s.slice(0, end)}" has no sent-by`);
  let host: string;
  let k: number;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= sbEnd)
      throw new SipSyntaxError(`unterminated IPv6 reference in Via "${s.slice(0, end)}"`);
    host = s.slice(i, close + 1);
    k = skipWs(s, close + 1);
    if (k < sbEnd && s.charCodeAt(k) !== 58)
      throw new SipSyntaxError(`unexpected "${s.slice(k, sbEnd)}" after host in Via`);
  } else {
    k = i;
    while (k < sbEnd && s.charCodeAt(k) !== 58) k++;
    let hEnd = k;
    while (hEnd > i && isWsOrNl(s.charCodeAt(hEnd - 1))) hEnd--;
    host = s.slice(i, hEnd);
  }
  if (strict && !isPlainHost(host)) checkHost(host);
  let port: number | undefined;
  if (k < sbEnd) {
    const ps = skipWs(s, k + 1);
    const p = portOfText(s.slice(ps, sbEnd));
    if (p < 0) throw new SipSyntaxError(`bad port "${s.slice(ps, sbEnd)}" in Via`);
    port = p;
  }
  const params = semi >= end ? new ParamsClass() : ParamsClass.parseRange(s, semi + 1, end, true);
  if (strict) checkViaParams(params);
  const t = transport === 'UDP' || transport === 'TCP' || transport === 'TLS' ? transport : transport.toUpperCase();
  return new Via(t, host, port, params, protocol);
}

/** protocol-name "SIP" and protocol-version "2.0", as written by nearly everyone (compared without slicing). */
function isSip20(s: string, nameStart: number, nameEnd: number, versionStart: number, versionEnd: number): boolean {
  return (
    nameEnd - nameStart === 3 &&
    versionEnd - versionStart === 3 &&
    s.charCodeAt(nameStart) === 83 &&
    s.charCodeAt(nameStart + 1) === 73 &&
    s.charCodeAt(nameStart + 2) === 80 &&
    s.charCodeAt(versionStart) === 50 &&
    s.charCodeAt(versionStart + 1) === 46 &&
    s.charCodeAt(versionStart + 2) === 48
  );
}

function badSentProtocol(s: string, end: number): SipSyntaxError {
  return new SipSyntaxError(`bad sent-protocol in Via "${s.slice(0, end)}"`);
}

function isWsOrNl(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(text: string): CSeq {
  const plain = parsePlainCSeq(text);
  if (plain !== undefined) return plain;
  const s = text.trim();
  const m = /^([0-9]+)[ \t\r\n]+(\S+)$/.exec(s);
  if (!m) throw new SipSyntaxError(`bad CSeq "${s}"`);
  if (m[1]!.length > 10 || Number(m[1]) > 0x7fffffff)
    throw new SipSyntaxError(`CSeq number ${m[1]} is larger than 2**31 (§8.1.1.5)`);
  if (!isToken(m[2]!)) throw new SipSyntaxError(`bad CSeq method "${m[2]}"`);
  return { seq: Number(m[1]), method: m[2]! };
}

/** `1*DIGIT SP method`, the usual CSeq, in one scan; undefined for anything else (parseCSeq then decides). */
function parsePlainCSeq(s: string): CSeq | undefined {
  let i = 0;
  let seq = 0;
  while (i < s.length && i < 10) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    i++;
  }
  if (i === 0 || i === 10 || s.charCodeAt(i) !== 32 || seq > 0x7fffffff) return undefined;
  const m = tokenEnd(s, i + 1, s.length);
  if (m === i + 1 || m !== s.length) return undefined;
  return { seq, method: s.slice(i + 1) };
}

/** A header value that is `1*DIGIT` (Max-Forwards, Expires, Content-Length, Min-Expires). */
export function parseUnsigned(text: string, header: string, max = 0xffffffff): number {
  const s = text.trim();
  if (!isDigits(s, Infinity)) throw new SipSyntaxError(`${header} "${s}" is not a number`);
  const n = s.length > 12 ? Infinity : Number(s);
  if (n > max) throw new SipSyntaxError(`${header} ${s} is too large (max ${max})`);
  return n;
}

/** Parses a credentials or challenge header (§25.1): `Scheme k=v, k="v"...`. */
export function parseAuthParams(text: string): { scheme: string; params: Map<string, string> } {
  const s = text.trim();
  const sp = s.search(/[ \t]/);
  if (sp <= 0) throw new SipSyntaxError(`bad authentication header "${s}"`);
  const scheme = s.slice(0, sp);
  const params = new Map<string, string>();
  let i = skipWs(s, sp);
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new SipSyntaxError(`bad auth-param in "${s}"`);
    const name = s.slice(i, eq).trim().toLowerCase();
    if (!isToken(name)) throw new SipSyntaxError(`bad auth-param name "${name}"`);
    let j = skipWs(s, eq + 1);
    let value: string;
    if (s[j] === '"') {
      const q = readQuoted(s, j);
      value = q.value;
      j = q.end;
    } else {
      let k = j;
      while (k < s.length) {
        const c = s.charCodeAt(k);
        if (c === 44 || c === 32 || c === 9) break;
        k++;
      }
      value = s.slice(j, k);
      j = k;
    }
    params.set(name, value);
    j = skipWs(s, j);
    if (j < s.length) {
      if (s[j] !== ',') throw new SipSyntaxError(`expected "," in "${s}"`);
      j = skipWs(s, j + 1);
    }
    i = j;
  }
  return { scheme, params };
}
