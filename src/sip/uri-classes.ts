/**
 * The URI classes: SIP and SIPS (RFC 3261 §19.1), tel (RFC 3966) and any other absoluteURI (kept opaque). uri.ts
 * parses them.
 */
import { Params } from './params';

// Module-local binding of the class used on the hot path (see uri.ts).
const ParamsClass = Params;

/** Percent-decodes (RFC 3261 §19.1.4: escaped characters compare equal to their unescaped form). */
export function unescapeUri(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    // Not UTF-8 (e.g. %00 or a lone byte): decode byte-wise into latin1 so nothing is lost.
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

export type Uri = SipUri | TelUri | AbsoluteUri;

export class SipUri {
  readonly kind = 'sip' as const;
  // The parameters, or (params undefined) where the parser left them: plain `;name[=value]` text in
  // paramsSrc[paramsFrom, paramsTo), turned into a Params object only when something asks for it.
  private params_: Params | undefined;
  private paramsSrc: string | undefined = undefined;
  private paramsFrom = 0;
  private paramsTo = 0;

  constructor(
    public scheme: 'sip' | 'sips',
    public user: string | undefined,
    public host: string,
    public port?: number,
    params?: Params,
    /** The `?h=v&...` part, raw (without the `?`). */
    public headers?: string,
    public password?: string,
  ) {
    this.params_ = params;
  }

  /** A URI whose plain parameters (already checked) are src[from, to); see Params.lazy. */
  static withPlainParams(
    scheme: 'sip' | 'sips',
    user: string | undefined,
    host: string,
    port: number | undefined,
    src: string,
    from: number,
    to: number,
  ): SipUri {
    const u = new SipUri(scheme, user, host, port, undefined);
    u.paramsSrc = src;
    u.paramsFrom = from;
    u.paramsTo = to;
    return u;
  }

  get params(): Params {
    if (this.params_ === undefined) {
      this.params_ =
        this.paramsSrc === undefined
          ? new ParamsClass()
          : ParamsClass.lazy(this.paramsSrc, this.paramsFrom, this.paramsTo);
      this.paramsSrc = undefined;
    }
    return this.params_;
  }
  set params(p: Params) {
    this.params_ = p;
    this.paramsSrc = undefined;
  }

  /** The host without IPv6 brackets, as node's socket APIs want it. */
  get hostname(): string {
    return this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
  }

  /** The user part with %HH escapes decoded (RFC 3261 §19.1.4: `%75se%72` and `user` are the same user). */
  get userUnescaped(): string | undefined {
    return this.user === undefined ? undefined : unescapeUri(this.user);
  }

  /** A URI parameter's value with %HH escapes decoded, by its decoded name (`%6C%72` is `lr`). */
  paramUnescaped(name: string): string | null | undefined {
    const want = name.toLowerCase();
    for (const n of this.params.names()) {
      if (unescapeUri(n).toLowerCase() === want) {
        const v = this.params.get(n);
        return v === null || v === undefined ? v : unescapeUri(v);
      }
    }
    return undefined;
  }

  get transport(): string | undefined {
    const t = this.params.get('transport');
    return t ? t.toLowerCase() : undefined;
  }

  clone(): SipUri {
    return new SipUri(this.scheme, this.user, this.host, this.port, this.params.clone(), this.headers, this.password);
  }

  /** The AOR form `sip:user@host`, as used to key registrations (§10.3 step 5: URI without parameters). */
  aor(): string {
    const user = this.user === undefined ? '' : unescapeUri(this.user) + '@';
    return `${this.scheme}:${user}${this.host.toLowerCase()}`;
  }

  toString(): string {
    let s = this.scheme + ':';
    if (this.user !== undefined) {
      s += this.user;
      if (this.password !== undefined) s += ':' + this.password;
      s += '@';
    }
    s += this.host;
    if (this.port !== undefined) s += ':' + this.port;
    s +=
      this.params_ === undefined
        ? this.paramsSrc === undefined
          ? ''
          : this.paramsSrc.slice(this.paramsFrom, this.paramsTo)
        : this.params_.toString();
    if (this.headers !== undefined) s += '?' + this.headers;
    return s;
  }
}

export class TelUri {
  readonly kind = 'tel' as const;
  constructor(
    public number: string,
    public params: Params = new ParamsClass(),
  ) {}
  toString(): string {
    return 'tel:' + this.number + this.params.toString();
  }
}

/** Any other scheme (RFC 3261 §19.1: absoluteURI); kept as text. */
export class AbsoluteUri {
  readonly kind = 'absolute' as const;
  constructor(
    public scheme: string,
    public rest: string,
  ) {}
  toString(): string {
    return this.scheme + ':' + this.rest;
  }
}
