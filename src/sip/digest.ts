/**
 * Digest authentication for SIP (RFC 3261 §22.4, updated by RFC 8760 to the algorithms of RFC 7616): MD5, MD5-sess,
 * SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess; qop=auth and auth-int with nc/cnonce, and the RFC 2069 form
 * without qop. Both sides:
 * - client: `DigestClient` answers a 401/407 challenge with an Authorization / Proxy-Authorization value and counts
 *   nc per nonce (RFC 7616 §3.4: the nonce count increments with each request that reuses the nonce);
 * - server: `DigestServer` makes challenges with a self-verifying nonce (HMAC of its timestamp, so no per-nonce
 *   state is needed to check it) and verifies a response given a password lookup, detecting stale nonces and
 *   nc replays.
 * Pure computation: the clock is `Date.now` unless one is injected; no timers, no I/O.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SipSyntaxError } from './errors';
import { quote } from './lex';
import {
  computeDigestResponse,
  computeHA1,
  formatAuthorization,
  parseAuthorization,
  parseChallenge,
  responseFromHA1,
  type Authorization,
  type DigestAlgorithm,
  type DigestChallenge,
  type DigestCredentials,
  type DigestQop,
} from './digest-core';

export * from './digest-core';

export interface AuthorizeOptions {
  /** Message body, needed when the challenge only offers qop=auth-int. */
  body?: Buffer | string;
  /** Fixed cnonce (tests); default 16 random bytes. */
  cnonce?: string;
  /** Preferred qop when both are offered; default `auth`. */
  qop?: DigestQop;
}

/**
 * A client's digest state for one set of credentials: answers challenges and counts nc per nonce, so a request
 * that reuses a nonce (e.g. a REGISTER refresh answering with cached credentials) carries the next count.
 */
export class DigestClient {
  private readonly counts = new Map<string, number>();

  constructor(public readonly credentials: DigestCredentials) {}

  /** Builds the Authorization (for a 401) or Proxy-Authorization (for a 407) value answering `challenge`. */
  authorize(challenge: DigestChallenge | string, method: string, uri: string, opts: AuthorizeOptions = {}): string {
    const c = typeof challenge === 'string' ? parseChallenge(challenge) : challenge;
    if (c.unsupportedAlgorithm !== undefined)
      throw new SipSyntaxError(`unsupported digest algorithm "${c.unsupportedAlgorithm}"`);
    let qop: DigestQop | undefined;
    if (c.qop.length > 0) {
      const want = opts.qop ?? 'auth';
      qop = c.qop.includes(want) ? want : c.qop[0];
    }
    const nc = qop ? this.nextNc(c.nonce) : undefined;
    const cnonce =
      qop || c.algorithm.endsWith('-sess') ? (opts.cnonce ?? randomBytes(16).toString('base64url')) : undefined;
    const response = computeDigestResponse({
      algorithm: c.algorithm,
      username: this.credentials.username,
      password: this.credentials.password,
      realm: c.realm,
      nonce: c.nonce,
      method,
      uri,
      qop,
      nc,
      cnonce,
      body: opts.body,
    });
    return formatAuthorization({
      username: this.credentials.username,
      realm: c.realm,
      nonce: c.nonce,
      uri,
      response,
      algorithm: c.algorithm,
      opaque: c.opaque,
      qop,
      nc,
      cnonce,
    });
  }

  /** The nonce count the next request with this nonce will carry, as 8 hex digits. */
  nextNc(nonce: string): string {
    const n = (this.counts.get(nonce) ?? 0) + 1;
    this.counts.set(nonce, n);
    return n.toString(16).padStart(8, '0');
  }
}

export interface DigestServerOptions {
  realm: string;
  /** Algorithms to challenge with, one challenge each (RFC 8760 §2.4), strongest first. Default SHA-256 and MD5. */
  algorithms?: DigestAlgorithm[];
  /** qop options offered; default ['auth']. An empty list makes RFC 2069 challenges. */
  qop?: DigestQop[];
  /** A nonce older than this is stale (the client retries with the new nonce, stale=true). Default 5 minutes. */
  nonceTtlMs?: number;
  /** HMAC key binding nonces to this server; default random per instance. */
  secret?: Buffer;
  now?: () => number;
}

export type DigestFailure =
  | 'malformed'
  | 'realm'
  | 'algorithm'
  | 'unknown-nonce'
  | 'stale'
  | 'unknown-user'
  | 'bad-response'
  | 'replay'
  | 'uri'
  | 'opaque';

export type DigestVerdict =
  | { ok: true; username: string; algorithm: DigestAlgorithm }
  | { ok: false; reason: DigestFailure; message: string; username?: string; stale: boolean };

/** The registrar / proxy side: challenges and verification. */
export class DigestServer {
  readonly realm: string;
  readonly algorithms: DigestAlgorithm[];
  readonly qop: DigestQop[];
  private readonly ttl: number;
  private readonly secret: Buffer;
  private readonly now: () => number;
  private readonly opaque: string;
  /** Highest nc seen per nonce (RFC 7616 §3.4: a server should reject a repeated nc). Bounded in size. */
  private readonly seenNc = new Map<string, number>();

  constructor(opts: DigestServerOptions) {
    this.realm = opts.realm;
    this.algorithms = opts.algorithms ?? ['SHA-256', 'MD5'];
    this.qop = opts.qop ?? ['auth'];
    this.ttl = opts.nonceTtlMs ?? 300_000;
    this.secret = opts.secret ?? randomBytes(32);
    this.now = opts.now ?? Date.now;
    this.opaque = randomBytes(12).toString('base64url');
  }

  /** A fresh nonce: base64url(timestamp ‖ random ‖ HMAC(secret, timestamp ‖ random)[0..16]). */
  makeNonce(): string {
    const body = Buffer.alloc(16);
    body.writeBigUInt64BE(BigInt(Math.floor(this.now())), 0);
    randomBytes(8).copy(body, 8);
    const mac = createHmac('sha256', this.secret).update(body).digest().subarray(0, 16);
    return Buffer.concat([body, mac]).toString('base64url');
  }

  /** The issue time of a nonce this server made, or undefined when it did not make it. */
  nonceTime(nonce: string): number | undefined {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 32 || raw.toString('base64url') !== nonce) return undefined;
    const mac = createHmac('sha256', this.secret).update(raw.subarray(0, 16)).digest().subarray(0, 16);
    if (!timingSafeEqual(mac, raw.subarray(16))) return undefined;
    return Number(raw.readBigUInt64BE(0));
  }

  /** One challenge value per configured algorithm, for WWW-Authenticate (401) or Proxy-Authenticate (407). */
  challenges(opts: { stale?: boolean } = {}): string[] {
    const nonce = this.makeNonce();
    return this.algorithms.map((alg) => {
      let s = `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, opaque=${quote(this.opaque)}, algorithm=${alg}`;
      if (this.qop.length > 0) s += `, qop="${this.qop.join(',')}"`;
      if (opts.stale) s += ', stale=true';
      return s;
    });
  }

  /** The first (strongest) challenge only. */
  challenge(opts: { stale?: boolean } = {}): string {
    return this.challenges(opts)[0]!;
  }

  /**
   * Verifies an Authorization / Proxy-Authorization value. `lookup` returns the user's password (or undefined for an
   * unknown user). `requestUri`, when given, must equal the digest-uri (RFC 3261 §22.4 leaves the comparison to
   * the server; RFC 7616 §3.4.6 says check it).
   */
  verify(
    value: string,
    method: string,
    lookup: (username: string, realm: string) => string | undefined,
    opts: { requestUri?: string; body?: Buffer | string } = {},
  ): DigestVerdict {
    const fail = (reason: DigestFailure, message: string, username?: string, stale = false): DigestVerdict => ({
      ok: false,
      reason,
      message,
      username,
      stale,
    });
    let a: Authorization;
    try {
      a = parseAuthorization(value);
    } catch (e) {
      return fail(/algorithm/.test((e as Error).message) ? 'algorithm' : 'malformed', (e as Error).message);
    }
    if (a.realm !== this.realm) return fail('realm', `realm "${a.realm}" is not "${this.realm}"`, a.username);
    if (!this.algorithms.includes(a.algorithm))
      return fail('algorithm', `algorithm ${a.algorithm} was not offered`, a.username);
    if (this.qop.length > 0 && a.qop === undefined)
      return fail(
        'malformed',
        'credentials without qop answering a challenge that offered qop (RFC 7616 §3.4)',
        a.username,
      );
    if (opts.requestUri !== undefined && a.uri !== opts.requestUri)
      return fail('uri', `digest-uri "${a.uri}" is not the Request-URI "${opts.requestUri}"`, a.username);
    const issued = this.nonceTime(a.nonce);
    if (issued === undefined) return fail('unknown-nonce', 'nonce was not issued by this server', a.username);
    if (a.opaque !== undefined && a.opaque !== this.opaque)
      return fail('opaque', 'opaque does not match the challenge', a.username);
    const password = lookup(a.username, a.realm);
    if (password === undefined) return fail('unknown-user', `unknown user "${a.username}"`, a.username);
    const expected = responseFromHA1(
      {
        algorithm: a.algorithm,
        username: a.username,
        password,
        realm: a.realm,
        nonce: a.nonce,
        method,
        uri: a.uri,
        qop: a.qop,
        nc: a.nc,
        cnonce: a.cnonce,
        body: opts.body,
      },
      computeHA1({
        algorithm: a.algorithm,
        username: a.username,
        password,
        realm: a.realm,
        nonce: a.nonce,
        cnonce: a.cnonce,
      }),
    );
    const got = Buffer.from(a.response.toLowerCase());
    if (got.length !== expected.length || !timingSafeEqual(got, Buffer.from(expected))) {
      return fail('bad-response', 'response digest does not match (wrong password or altered request)', a.username);
    }
    // Right password on an old nonce: stale=true tells the client to retry without asking the user (RFC 7616 §3.3).
    if (this.now() - issued > this.ttl) return fail('stale', 'nonce expired', a.username, true);
    if (a.nc !== undefined) {
      const n = parseInt(a.nc, 16);
      const prev = this.seenNc.get(a.nonce) ?? 0;
      if (n <= prev) return fail('replay', `nc ${a.nc} was already used with this nonce`, a.username);
      if (this.seenNc.size > 10_000) this.seenNc.clear();
      this.seenNc.set(a.nonce, n);
    }
    return { ok: true, username: a.username, algorithm: a.algorithm };
  }
}
