/**
 * Builders for requests and responses (RFC 3261 §8.1.1 and §8.2.6) and the identifiers they carry.
 */
import { randomBytes } from 'node:crypto';
import { NameAddr, Via } from './fields';
import { SipRequest, SipResponse, REASON_PHRASES } from './message';
import { Uri } from './uri';

/** RFC 3261 §8.1.1.7: branches start with the magic cookie so receivers know they are globally unique. */
export const MAGIC_COOKIE = 'z9hG4bK';

export function newBranch(): string {
  return MAGIC_COOKIE + randomBytes(9).toString('base64url');
}

/** A From/To tag (§19.3: at least 32 bits of randomness). */
export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(host = 'sipconf'): string {
  return `${randomBytes(12).toString('hex')}@${host}`;
}

export interface RequestInit {
  method: string;
  uri: Uri | string;
  from: NameAddr;
  to: NameAddr;
  via: Via;
  callId?: string;
  cseq?: number;
  maxForwards?: number;
  contact?: NameAddr | NameAddr[];
  routes?: NameAddr[];
  headers?: Array<[string, string | number]>;
  body?: Buffer | string;
  contentType?: string;
}

/** A UAC request with every header §8.1.1 requires: To, From, CSeq, Call-ID, Max-Forwards, Via. */
export function createRequest(init: RequestInit): SipRequest {
  const req = new SipRequest(init.method, init.uri.toString());
  req.append('Via', init.via.toString());
  req.append('Max-Forwards', init.maxForwards ?? 70);
  for (const r of init.routes ?? []) req.append('Route', r.toString());
  req.append('From', init.from.toString());
  req.append('To', init.to.toString());
  req.append('Call-ID', init.callId ?? newCallId());
  req.append('CSeq', `${init.cseq ?? 1} ${init.method}`);
  const contacts = init.contact === undefined ? [] : Array.isArray(init.contact) ? init.contact : [init.contact];
  for (const c of contacts) req.append('Contact', c.toString());
  for (const [n, v] of init.headers ?? []) req.append(n, v);
  if (init.body !== undefined) req.setBody(init.body, init.contentType);
  return req;
}

/**
 * A response to `req` per §8.2.6.2: Via (all, in order), From, Call-ID and CSeq copied, To copied with a tag added
 * when the request's To had none (the tag is omitted on 100 Trying, §8.2.6.1).
 */
export function createResponse(
  req: SipRequest,
  status: number,
  opts: {
    reason?: string;
    toTag?: string;
    headers?: Array<[string, string | number]>;
    body?: Buffer | string;
    contentType?: string;
  } = {},
): SipResponse {
  const res = new SipResponse(status, opts.reason ?? REASON_PHRASES[status] ?? 'Unknown');
  for (const h of req.headers) {
    if (h.key === 'via' || h.key === 'from' || h.key === 'call-id' || h.key === 'cseq')
      res.headers.push({ name: h.name, key: h.key, value: h.value });
    else if (h.key === 'to') {
      let value = h.value;
      if (status > 100 && !req.to.tag) {
        const to = req.to.clone();
        to.params.set('tag', opts.toTag ?? newTag());
        value = to.toString();
      }
      res.headers.push({ name: 'To', key: 'to', value });
    }
  }
  for (const [n, v] of opts.headers ?? []) res.append(n, v);
  if (opts.body !== undefined) res.setBody(opts.body, opts.contentType);
  return res;
}
