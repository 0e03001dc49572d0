/**
 * Structured header values: CSeq (§20.16), small integer headers, and credentials and challenges (§25.1). name-addr
 * (name-addr.ts) and Via (via.ts) are re-exported from here.
 */

import { SipSyntaxError } from './errors';

import {
  isDigits,
  isToken as isToken_,
  readQuoted as readQuoted_,
  skipWs as skipWs_,
  tokenEnd as tokenEnd_,
} from './lex';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const isToken = isToken_;
const readQuoted = readQuoted_;
const skipWs = skipWs_;
const tokenEnd = tokenEnd_;

export * from './name-addr';
export * from './via';

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
