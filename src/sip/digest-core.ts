/**
 * Digest authentication's parts (RFC 3261 §22.4, RFC 7616, RFC 8760): the algorithms and their strength, H, HA1
 * and the response computation, and the formats of challenges (WWW-Authenticate / Proxy-Authenticate) and
 * credentials (Authorization / Proxy-Authorization). The client and server of digest.ts build on them.
 */
import { createHash } from 'node:crypto';
import { SipSyntaxError } from './errors';
import { parseAuthParams } from './fields';
import { quote } from './lex';
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';
export type DigestQop = 'auth' | 'auth-int';

const HASHES: Record<string, string> = { md5: 'md5', 'sha-256': 'sha256', 'sha-512-256': 'sha512-256' };

/** RFC 8760 §2.4 / RFC 7616 §3.7: a client prefers the strongest algorithm it supports. */
const STRENGTH: Record<string, number> = { 'sha-512-256': 3, 'sha-256': 2, md5: 1 };

/** The canonical spelling of a supported algorithm name (case-insensitive), or undefined. */
export function normalizeAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  const n = (name ?? 'MD5').trim().toLowerCase();
  const sess = n.endsWith('-sess');
  const base = sess ? n.slice(0, -5) : n;
  if (!HASHES[base]) return undefined;
  const canon = base === 'md5' ? 'MD5' : base.toUpperCase();
  return (sess ? `${canon}-sess` : canon) as DigestAlgorithm;
}

function hashOf(algorithm: DigestAlgorithm): string {
  const base = algorithm.toLowerCase().replace(/-sess$/, '');
  return HASHES[base]!;
}

/** H(data) in lower-case hex (RFC 7616 §3.4). */
export function digestHash(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(hashOf(algorithm)).update(data).digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  /** The digest-uri, i.e. the Request-URI as sent (RFC 3261 §22.4). */
  uri: string;
  qop?: DigestQop;
  /** 8 hex digits, e.g. `00000001`; required with qop. */
  nc?: string;
  cnonce?: string;
  /** The message body, for qop=auth-int. */
  body?: Buffer | string;
}

/** HA1 per RFC 7616 §3.4.2 (the `-sess` variants fold in the nonce and cnonce). */
export function computeHA1(
  i: Pick<DigestInput, 'algorithm' | 'username' | 'password' | 'realm' | 'nonce' | 'cnonce'>,
): string {
  const base = digestHash(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  if (!i.algorithm.endsWith('-sess')) return base;
  if (i.cnonce === undefined) throw new SipSyntaxError(`${i.algorithm} needs a cnonce`);
  return digestHash(i.algorithm, `${base}:${i.nonce}:${i.cnonce}`);
}

/** The `response` value (RFC 7616 §3.4.1; RFC 2617 §3.2.2.1 without qop). */
export function computeDigestResponse(i: DigestInput): string {
  return responseFromHA1(i, computeHA1(i));
}

/** The `response` value (as computeDigestResponse) from an HA1 computed separately with computeHA1. */
export function responseFromHA1(i: DigestInput, ha1: string): string {
  const a2 =
    i.qop === 'auth-int' ? `${i.method}:${i.uri}:${digestHash(i.algorithm, i.body ?? '')}` : `${i.method}:${i.uri}`;
  const ha2 = digestHash(i.algorithm, a2);
  if (i.qop === undefined) return digestHash(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
  if (i.nc === undefined || i.cnonce === undefined) throw new SipSyntaxError('qop needs nc and cnonce');
  return digestHash(i.algorithm, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`);
}

export interface DigestChallenge {
  /** 401 → WWW-Authenticate, 407 → Proxy-Authenticate. */
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** The qop options offered; empty for an RFC 2069 challenge. */
  qop: DigestQop[];
  stale: boolean;
  domain?: string;
  /** The algorithm as written, when the client does not support it. */
  unsupportedAlgorithm?: string;
}

/** Parses a WWW-Authenticate / Proxy-Authenticate value. Throws SipSyntaxError when it is not a Digest challenge. */
export function parseChallenge(value: string): DigestChallenge {
  const { scheme, params } = parseAuthParams(value);
  if (scheme.toLowerCase() !== 'digest')
    throw new SipSyntaxError(`challenge scheme "${scheme}" is not Digest (RFC 3261 §22.4)`);
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined) throw new SipSyntaxError('Digest challenge without realm');
  if (nonce === undefined) throw new SipSyntaxError('Digest challenge without nonce');
  const algText = params.get('algorithm');
  const algorithm = normalizeAlgorithm(algText);
  const qop = (params.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q): q is DigestQop => q === 'auth' || q === 'auth-int');
  return {
    realm,
    nonce,
    opaque: params.get('opaque'),
    algorithm: algorithm ?? 'MD5',
    qop,
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
    domain: params.get('domain'),
    unsupportedAlgorithm: algorithm ? undefined : algText,
  };
}

/** Of several challenges (one per algorithm, RFC 8760 §2.4), the strongest one this client supports. */
export function selectChallenge(values: string[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const v of values) {
    let c: DigestChallenge;
    try {
      c = parseChallenge(v);
    } catch {
      continue;
    }
    if (c.unsupportedAlgorithm !== undefined) continue;
    const s = STRENGTH[c.algorithm.toLowerCase().replace(/-sess$/, '')]!;
    if (!best || s > STRENGTH[best.algorithm.toLowerCase().replace(/-sess$/, '')]!) best = c;
  }
  return best;
}

export interface DigestCredentials {
  username: string;
  password: string;
}

export interface Authorization {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  opaque?: string;
  qop?: DigestQop;
  nc?: string;
  cnonce?: string;
}

/** Formats credentials (RFC 3261 §25.1 `credentials`): qop, nc and algorithm unquoted, the rest quoted. */
export function formatAuthorization(a: Authorization): string {
  let s = `Digest username=${quote(a.username)}, realm=${quote(a.realm)}, nonce=${quote(a.nonce)}, uri=${quote(a.uri)}, response=${quote(a.response)}, algorithm=${a.algorithm}`;
  if (a.opaque !== undefined) s += `, opaque=${quote(a.opaque)}`;
  if (a.qop !== undefined) s += `, qop=${a.qop}, nc=${a.nc}, cnonce=${quote(a.cnonce ?? '')}`;
  return s;
}

/** Parses an Authorization / Proxy-Authorization value with the Digest scheme. */
export function parseAuthorization(value: string): Authorization {
  const { scheme, params } = parseAuthParams(value);
  if (scheme.toLowerCase() !== 'digest') throw new SipSyntaxError(`credentials scheme "${scheme}" is not Digest`);
  const need = (n: string) => {
    const v = params.get(n);
    if (v === undefined) throw new SipSyntaxError(`Digest credentials without ${n}`);
    return v;
  };
  const algText = params.get('algorithm');
  const algorithm = normalizeAlgorithm(algText);
  if (!algorithm) throw new SipSyntaxError(`unsupported digest algorithm "${algText}"`);
  const qopText = params.get('qop')?.toLowerCase();
  if (qopText !== undefined && qopText !== 'auth' && qopText !== 'auth-int')
    throw new SipSyntaxError(`unsupported qop "${qopText}"`);
  const a: Authorization = {
    username: need('username'),
    realm: need('realm'),
    nonce: need('nonce'),
    uri: need('uri'),
    response: need('response'),
    algorithm,
    opaque: params.get('opaque'),
  };
  if (qopText !== undefined) {
    a.qop = qopText;
    a.nc = need('nc');
    a.cnonce = need('cnonce');
    if (!/^[0-9a-fA-F]{8}$/.test(a.nc)) throw new SipSyntaxError(`nc "${a.nc}" is not 8 hex digits (RFC 7616 §3.4)`);
  }
  return a;
}
