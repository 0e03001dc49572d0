/**
 * The host grammar of RFC 3261 §25.1: hostname, IPv4address and IPv6reference (RFC 5118 §4.4: exactly two colons
 * for "::" compression, no IPv4 shortcut errors), as quick tests (isPlainHost, plainHostEnd on bytes) and as the
 * validator with its diagnostic (checkHost).
 */
import { asciiBytes as asciiBytes_ } from './ascii';
import { SipSyntaxError } from './errors';

// Module-local binding of a function called on the hot path (see uri.ts).
const asciiBytes = asciiBytes_;

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
