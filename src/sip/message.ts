/**
 * The SIP message model (RFC 3261 §7). Headers are kept as an ordered list of raw values exactly as received;
 * structured views (Via, From, To, CSeq, Contact ...) are parsed on first access and cached, so the hot path only
 * pays for what it reads. Mutators invalidate the cache.
 */
import { SipSyntaxError } from './errors';
import {
  CSeq,
  NameAddr,
  Via,
  parseCSeq as parseCSeq_,
  parseNameAddr as parseNameAddr_,
  parseUnsigned as parseUnsigned_,
  parseVia as parseVia_,
} from './fields';
import {
  canonicalHeaderName as canonicalHeaderName_,
  headerKey as headerKey_,
  isListHeader as isListHeader_,
} from './headers';
import { splitTopLevel as splitTopLevel_ } from './lex';
import { REASON_PHRASES } from './reason-phrases';
import { Uri, parseUri as parseUri_ } from './uri';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const parseCSeq = parseCSeq_;
const parseNameAddr = parseNameAddr_;
const parseUnsigned = parseUnsigned_;
const parseVia = parseVia_;
const canonicalHeaderName = canonicalHeaderName_;
const headerKey = headerKey_;
const isListHeader = isListHeader_;
const splitTopLevel = splitTopLevel_;
const parseUri = parseUri_;

export { REASON_PHRASES } from './reason-phrases';

export interface Header {
  /** The name as written on the wire (may be a compact form). */
  name: string;
  /** Lower-case full name, e.g. `call-id` for `i`. */
  key: string;
  value: string;
  /** 1-based line of the message where the header started (parsed messages only). */
  line?: number;
}

/** Marks a view not parsed yet (undefined is a legitimate value: no Expires header). */
const UNSET: unique symbol = Symbol('unset');

/**
 * The parsed views of one message, by slot number: one array of UNSET-filled slots (a monomorphic element read, cheaper
 * than a Map per message or a property named by a variable).
 */
export const VIEW_VIA = 0;
export const VIEW_FROM = 1;
export const VIEW_TO = 2;
export const VIEW_CALL_ID = 3;
export const VIEW_CSEQ = 4;
export const VIEW_MAX_FORWARDS = 5;
export const VIEW_EXPIRES = 6;
export const VIEW_CONTACT = 7;
export const VIEW_ROUTE = 8;
export const VIEW_RECORD_ROUTE = 9;
export const VIEW_PATH = 10;

function newViews(): unknown[] {
  return [UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET];
}

const VIEW_SLOTS = new Map<string, number>([
  ['via', VIEW_VIA],
  ['from', VIEW_FROM],
  ['to', VIEW_TO],
  ['call-id', VIEW_CALL_ID],
  ['cseq', VIEW_CSEQ],
  ['max-forwards', VIEW_MAX_FORWARDS],
  ['expires', VIEW_EXPIRES],
  ['contact', VIEW_CONTACT],
  ['route', VIEW_ROUTE],
  ['record-route', VIEW_RECORD_ROUTE],
  ['path', VIEW_PATH],
]);

/** The view slot of a header key (its lower-case full name), or -1 when the message keeps no view of it. */
export function viewSlotOf(key: string): number {
  return VIEW_SLOTS.get(key) ?? -1;
}

/** Shared by every message without a body: a zero-length Buffer has nothing to mutate. */
const EMPTY_BODY = Buffer.alloc(0);

abstract class SipMessageBase {
  headers: Header[] = [];
  body: Buffer = EMPTY_BODY;
  version = 'SIP/2.0';
  /** Parsed structured views by header key; created on the first view read or seeded (most builders never need it). */
  private cache: unknown[] | undefined = undefined;

  abstract readonly isRequest: boolean;

  // ---- raw header access -------------------------------------------------------------------------------------

  /** The first value of a header (any spelling or compact form), as written. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const h of this.headers) if (h.key === key) return h.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of a header; for list headers (§7.3.1) comma-separated values are split into separate entries. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    const list = isListHeader(key);
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (list) for (const v of splitTopLevel(h.value)) out.push(v);
      else out.push(h.value);
    }
    return out;
  }

  /** Header lines (not split) with their line numbers. */
  headerLines(name: string): Header[] {
    const key = headerKey(name);
    return this.headers.filter((h) => h.key === key);
  }

  /** Replaces every line of the header by one line with this value. */
  set(name: string, value: string | number): this {
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    const header: Header = { name: canonicalHeaderName(name), key, value: String(value) };
    this.headers = this.headers.filter((h) => h.key !== key);
    if (idx >= 0) this.headers.splice(Math.min(idx, this.headers.length), 0, header);
    else this.headers.push(header);
    this.cache = undefined;
    return this;
  }

  /** Adds a header line after the existing ones. */
  append(name: string, value: string | number): this {
    this.headers.push({ name: canonicalHeaderName(name), key: headerKey(name), value: String(value) });
    this.cache = undefined;
    return this;
  }

  /** Adds a header line before the first line of the same header (or at the top), e.g. a new Via or Record-Route. */
  prepend(name: string, value: string | number): this {
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    const header: Header = { name: canonicalHeaderName(name), key, value: String(value) };
    if (idx >= 0) this.headers.splice(idx, 0, header);
    else this.headers.unshift(header);
    this.cache = undefined;
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    this.headers = this.headers.filter((h) => h.key !== key);
    this.cache = undefined;
    return this;
  }

  /** Removes the first value of a list header (e.g. the top Via, the top Route), keeping the rest. */
  removeFirst(name: string): string | undefined {
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    if (idx < 0) return undefined;
    const h = this.headers[idx]!;
    const values = isListHeader(key) ? splitTopLevel(h.value) : [h.value];
    const first = values.shift();
    if (values.length === 0) this.headers.splice(idx, 1);
    else this.headers[idx] = { ...h, value: values.join(', ') };
    this.cache = undefined;
    return first;
  }

  /**
   * Seeds the cache of a structured view (e.g. `via`, `from`) with a value already parsed, so the strict parser's
   * validation pass and later field reads share one parse. For the parser; other callers should not need it.
   */
  primeCache(key: string, value: unknown): void {
    const slot = VIEW_SLOTS.get(key);
    if (slot === undefined) throw new Error(`no structured view of ${key}`);
    this.primeSlot(slot, value);
  }

  /** primeCache by slot number (VIEW_VIA ...), for the parser. */
  primeSlot(slot: number, value: unknown): void {
    (this.cache ??= newViews())[slot] = value;
  }

  /** A view by its slot: parsed on the first read (or seeded by the strict parser), then cached. */
  private view<T>(slot: number, compute: () => T): T {
    const views = (this.cache ??= newViews());
    const hit = views[slot];
    if (hit !== UNSET) return hit as T;
    const v = compute();
    views[slot] = v;
    return v;
  }

  protected required(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw new SipSyntaxError(`missing ${canonicalHeaderName(name)} header`);
    return v;
  }

  // ---- structured views --------------------------------------------------------------------------------------

  get vias(): Via[] {
    return this.view(VIEW_VIA, () => this.getAll('via').map((v) => parseVia(v, false)));
  }
  get topVia(): Via {
    const v = this.vias[0];
    if (!v) throw new SipSyntaxError('missing Via header');
    return v;
  }
  get from(): NameAddr {
    return this.view(VIEW_FROM, () => parseNameAddr(this.required('from'), false));
  }
  get to(): NameAddr {
    return this.view(VIEW_TO, () => parseNameAddr(this.required('to'), false));
  }
  get callId(): string {
    return this.view(VIEW_CALL_ID, () => this.required('call-id').trim());
  }
  get cseq(): CSeq {
    return this.view(VIEW_CSEQ, () => parseCSeq(this.required('cseq')));
  }
  get maxForwards(): number | undefined {
    return this.view(VIEW_MAX_FORWARDS, () => {
      const v = this.get('max-forwards');
      return v === undefined ? undefined : parseUnsigned(v, 'Max-Forwards', 255);
    });
  }
  get expires(): number | undefined {
    return this.view(VIEW_EXPIRES, () => {
      const v = this.get('expires');
      return v === undefined ? undefined : parseUnsigned(v, 'Expires');
    });
  }
  /** Contact values; a `*` Contact is reported by `isStarContact`. */
  get contacts(): NameAddr[] {
    return this.view(VIEW_CONTACT, () =>
      this.getAll('contact')
        .filter((v) => v.trim() !== '*')
        .map((v) => parseNameAddr(v, false)),
    );
  }
  get isStarContact(): boolean {
    return this.getAll('contact').some((v) => v.trim() === '*');
  }
  get routes(): NameAddr[] {
    return this.view(VIEW_ROUTE, () => this.getAll('route').map((v) => parseNameAddr(v, false)));
  }
  get recordRoutes(): NameAddr[] {
    return this.view(VIEW_RECORD_ROUTE, () => this.getAll('record-route').map((v) => parseNameAddr(v, false)));
  }
  get paths(): NameAddr[] {
    return this.view(VIEW_PATH, () => this.getAll('path').map((v) => parseNameAddr(v, false)));
  }
  /** Option tags of Require / Supported / Proxy-Require / Unsupported, lower-cased. */
  optionTags(name: 'require' | 'supported' | 'proxy-require' | 'unsupported'): string[] {
    return this.getAll(name)
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
  }

  setBody(body: Buffer | string, contentType?: string): this {
    this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (contentType) this.set('content-type', contentType);
    this.cache = undefined;
    return this;
  }

  protected abstract startLine(): string;

  /** Serializes with a correct Content-Length (always written, so stream framing works, §20.14). */
  toBuffer(): Buffer {
    let head = this.startLine() + '\r\n';
    for (const h of this.headers) {
      if (h.key === 'content-length') continue;
      head += `${h.name}: ${h.value}\r\n`;
    }
    head += `Content-Length: ${this.body.length}\r\n\r\n`;
    const headBuf = Buffer.from(head, 'utf8');
    return this.body.length === 0 ? headBuf : Buffer.concat([headBuf, this.body]);
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}

export class SipRequest extends SipMessageBase {
  readonly isRequest = true as const;
  private parsedUri?: Uri;

  constructor(
    public method: string,
    public uriText: string,
  ) {
    super();
  }

  /** Seeds the parsed Request-URI (the strict parser parsed it already); the text stays as received. */
  primeUri(u: Uri): void {
    this.parsedUri = u;
  }

  get uri(): Uri {
    if (!this.parsedUri) this.parsedUri = parseUri(this.uriText, { strict: false });
    return this.parsedUri;
  }
  set uri(u: Uri) {
    this.parsedUri = u;
    this.uriText = u.toString();
  }

  protected startLine(): string {
    return `${this.method} ${this.uriText} ${this.version}`;
  }

  clone(): SipRequest {
    const r = new SipRequest(this.method, this.uriText);
    r.version = this.version;
    r.headers = this.headers.map((h) => ({ ...h }));
    r.body = this.body;
    return r;
  }
}

export class SipResponse extends SipMessageBase {
  readonly isRequest = false as const;

  constructor(
    public status: number,
    public reason: string = REASON_PHRASES[status] ?? 'Unknown',
  ) {
    super();
  }

  protected startLine(): string {
    return `${this.version} ${this.status} ${this.reason}`;
  }

  clone(): SipResponse {
    const r = new SipResponse(this.status, this.reason);
    r.version = this.version;
    r.headers = this.headers.map((h) => ({ ...h }));
    r.body = this.body;
    return r;
  }
}

export type SipMessage = SipRequest | SipResponse;

/** A short label for ladders and logs: `INVITE` or `200 OK (INVITE)`. */
export function describe(m: SipMessage): string {
  if (m.isRequest) return m.method;
  let method = '';
  try {
    method = ` (${m.cseq.method})`;
  } catch {
    /* no CSeq: label without it */
  }
  return `${m.status} ${m.reason}${method}`;
}
