/**
 * Header names: compact forms (RFC 3261 §7.3.3, RFC 3265, RFC 3841 ...), canonical spelling, and which headers
 * may be combined into one comma-separated line (RFC 3261 §7.3.1: only those whose grammar is a comma list).
 */

const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  v: 'via',
  f: 'from',
  t: 'to',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  r: 'refer-to',
  u: 'allow-events',
  b: 'referred-by',
  x: 'session-expires',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
};

const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rseq: 'RSeq',
  rack: 'RAck',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

/** Headers whose ABNF is `header: value *(COMMA value)`, so several lines and comma lists are equivalent. */
const LIST_HEADERS = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'path',
  'service-route',
  'allow',
  'allow-events',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'warning',
  'error-info',
  'alert-info',
  'call-info',
  'security-client',
  'security-server',
  'security-verify',
]);

/** Headers that must appear at most once (RFC 3261 §7.3.1, §20): duplicates are a syntax fault. */
export const SINGLETON_HEADERS = new Set([
  'call-id',
  'cseq',
  'from',
  'to',
  'max-forwards',
  'content-length',
  'content-type',
  'expires',
  'min-expires',
]);

/** Lower-case full name for any spelling or compact form. */
const KEY_CACHE = new Map<string, string>();

export function headerKey(name: string): string {
  // Names repeat message after message ("Via", "From", "l"): a cache hit avoids lower-casing each time.
  const hit = KEY_CACHE.get(name);
  if (hit !== undefined) return hit;
  const key = computeKey(name);
  if (KEY_CACHE.size < 1000) KEY_CACHE.set(name, key);
  return key;
}

function computeKey(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? lower;
  return lower;
}

/** The conventional spelling of a header name, e.g. `call-id` → `Call-ID`, `i` → `Call-ID`. */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const known = CANONICAL[key];
  if (known) return known;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}
