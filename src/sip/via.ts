/** Via (RFC 3261 §20.42, §18.2.2, RFC 3581 rport): the class, the general parser and the fast path on the bytes. */
import {
  asciiBytes as asciiBytes_,
  bytesAre as bytesAre_,
  portAt as portAt_,
  tokenEndAt as tokenEndAt_,
} from './ascii';
import { SipSyntaxError } from './errors';
import {
  checkHost as checkHost_,
  isIPv6 as isIPv6_,
  isPlainHost as isPlainHost_,
  plainHostEnd as plainHostEnd_,
} from './host';
import { isDigits, skipWs as skipWs_, tokenEnd as tokenEnd_ } from './lex';
import { Params } from './params';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const skipWs = skipWs_;
const tokenEnd = tokenEnd_;
const checkHost = checkHost_;
const isPlainHost = isPlainHost_;
const isIPv6 = isIPv6_;
const plainHostEnd = plainHostEnd_;
const ParamsClass = Params;
const asciiBytes = asciiBytes_;
const bytesAre = bytesAre_;
const portAt = portAt_;
const tokenEndAt = tokenEndAt_;

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

/** A port (1*DIGIT, at most 65535) given as text, or -1. */
function portOfText(t: string): number {
  return /^[0-9]{1,5}$/.test(t) && Number(t) <= 65535 ? Number(t) : -1;
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
