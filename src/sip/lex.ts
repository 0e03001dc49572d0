/**
 * Lexical helpers for RFC 3261 §25.1: tokens, quoted strings, LWS, comma lists and generic parameters.
 * Every scanner here is a single left-to-right pass (no backtracking regular expressions), so parse time stays
 * linear in the input size.
 */
import { SipSyntaxError } from './errors';

/** 1 for the characters of `token` (§25.1). Exported so hot loops in other modules can index it directly. */
export const TOKEN_CHARS = new Uint8Array(128);
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") {
  TOKEN_CHARS[ch.charCodeAt(0)] = 1;
}

export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN_CHARS[code] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWs(code: number): boolean {
  return code === 32 || code === 9;
}

/** skipWs bounded by `end` (exclusive). */
export function skipWsTo(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) i++;
    else break;
  }
  return i;
}

export function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) i++;
    else break;
  }
  return i;
}

/**
 * Reads a quoted-string starting at `s[i] === '"'`; returns the unescaped content and the index after the closing
 * quote. quoted-pair (`\x`) is allowed for any x but CR/LF (§25.1).
 */
const QUOTED_PAIR = /\\([\s\S])/g;

export function readQuoted(s: string, i: number): { value: string; end: number } {
  if (s.charCodeAt(i) !== 34) throw new SipSyntaxError(`expected '"' at offset ${i}`);
  // Fast path: no quoted-pair before the closing quote, so the value is one slice.
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 34) return { value: s.slice(i + 1, j), end: j + 1 };
    if (c === 92) break;
    j++;
  }
  // Slow path: find the closing quote (skipping quoted-pairs), then drop the backslashes in one native replace.
  // Rare (display names with \" inside) and strictly linear; concatenating per escape builds ropes that make
  // megabyte inputs slow to flatten and collect.
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 92) {
      if (j + 1 >= s.length) break;
      const n = s.charCodeAt(j + 1);
      if (n === 13 || n === 10) throw new SipSyntaxError('CR or LF after backslash in quoted-string');
      j += 2;
      continue;
    }
    if (c === 34) return { value: s.slice(i + 1, j).replace(QUOTED_PAIR, '$1'), end: j + 1 };
    j++;
  }
  throw new SipSyntaxError('unterminated quoted-string');
}

/** Escapes a value for use inside a quoted-string. */
export function quote(s: string): string {
  return '"' + s.replace(/["\\]/g, (m) => '\\' + m) + '"';
}

/**
 * Splits a header value at top-level commas: commas inside quoted strings or `<...>` do not split.
 * Empty elements are kept (the caller decides whether they are an error).
 */
export function splitTopLevel(s: string, sep = 44): string[] {
  // Fast path (most values): no separator and no quote, so one element.
  const sepChar = String.fromCharCode(sep);
  if (s.indexOf('"') < 0) return s.indexOf(sepChar) < 0 ? [trimWs(s)] : splitUnquoted(s, sepChar);
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
      continue;
    }
    if (c === 34) inQuote = true;
    else if (c === 60) inAngle = true;
    else if (c === 62) inAngle = false;
    else if (c === sep && !inAngle) {
      out.push(trimWs(s.slice(start, i)));
      start = i + 1;
    }
  }
  if (inQuote) throw new SipSyntaxError('unterminated quoted-string');
  out.push(trimWs(s.slice(start)));
  return out;
}

/**
 * splitTopLevel for a value without quotes: jumps from separator to separator and over `<...>` with indexOf. Every
 * search position only moves forward (each found index is kept until passed), so the work stays linear.
 */
function splitUnquoted(s: string, sepChar: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i: number;
  let sep = s.indexOf(sepChar);
  let lt = s.indexOf('<');
  while (sep >= 0) {
    if (lt >= 0 && lt < sep) {
      // A separator inside <...> does not split; the first ">" after the "<" closes it.
      const gt = s.indexOf('>', lt + 1);
      if (gt < 0) break;
      i = gt + 1;
      if (sep < i) sep = s.indexOf(sepChar, i);
      lt = s.indexOf('<', i);
      continue;
    }
    out.push(trimWs(s.slice(start, sep)));
    start = i = sep + 1;
    sep = s.indexOf(sepChar, i);
    if (lt >= 0 && lt < i) lt = s.indexOf('<', i);
  }
  out.push(trimWs(s.slice(start)));
  return out;
}

/** Lower-cases ASCII letters; returns the same string when it has none (no allocation on the common path). */
export function lowerAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** Trims SP and HTAB only (LWS after unfolding). String.prototype.trim would also eat U+FEFF and other Unicode spaces. */
export function trimWs(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  while (j > i && (s.charCodeAt(j - 1) === 32 || s.charCodeAt(j - 1) === 9)) j--;
  return i === 0 && j === s.length ? s : s.slice(i, j);
}

/** The end of a token of `s` starting at `i` (before `end`): the first character that is not a token character. */
export function tokenEnd(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] !== 1) break;
    i++;
  }
  return i;
}

/** True when `s` is 1 to `max` ASCII digits. */
export function isDigits(s: string, max: number): boolean {
  if (s.length === 0 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
