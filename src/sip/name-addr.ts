/**
 * name-addr / addr-spec (From, To, Contact, Route, Record-Route, Path; RFC 3261 §20.10, §25.1): the class, the
 * general parser, and the fast paths that read a plain name-addr (or a list of them) from the received bytes.
 */
import { asciiBytes as asciiBytes_, skipSpTabAt as skipSpTabAt_, tokenEndAt as tokenEndAt_ } from './ascii';
import { SipSyntaxError } from './errors';

import { TOKEN_CHARS, isToken as isToken_, quote as quote_, readQuoted as readQuoted_, skipWs as skipWs_ } from './lex';
import { Params } from './params';
import { parsePlainSipUriAt as parsePlainSipUriAt_, parseUriText as parseUriText_ } from './uri';
import type { SipUri, Uri } from './uri-classes';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const TOKEN = TOKEN_CHARS;
const isToken = isToken_;
const quote = quote_;
const readQuoted = readQuoted_;
const skipWs = skipWs_;
const parsePlainSipUriAt = parsePlainSipUriAt_;
const parseUriText = parseUriText_;
const ParamsClass = Params;
const asciiBytes = asciiBytes_;
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
