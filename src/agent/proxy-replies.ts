/** Responses a proxy generates itself (RFC 3261 §16.7 step 6, §8.2.6): a 100 Trying and final responses. */
import { newBranch } from '../sip/builders';
import { SipRequest, SipResponse } from '../sip/message';

const COPIED = new Set(['via', 'from', 'call-id', 'cseq', 'to']);

/** §8.2.6.2: a response built from the request — its Via, From, Call-ID, CSeq and To (with a tag added, §8.2.6.2). */
export function localResponse(
  req: SipRequest,
  status: number,
  reason?: string,
  headers: Array<[string, string | number]> = [],
): SipResponse {
  const res = new SipResponse(status, reason);
  for (const h of req.headers) if (COPIED.has(h.key)) res.headers.push({ ...h });
  if (!req.to.tag) {
    const to = req.to.clone();
    to.params.set('tag', newBranch().slice(7, 17));
    res.set('To', to.toString());
  }
  for (const [n, v] of headers) res.append(n, v);
  return res;
}

/** §16.7 step 3 / §17.2.1: a 100 Trying copies the request's fields and adds no To tag (§8.2.6.1). */
export function trying(req: SipRequest): SipResponse {
  const res = new SipResponse(100);
  for (const h of req.headers) if (COPIED.has(h.key)) res.headers.push({ ...h });
  return res;
}

/** The value of a parse that may throw on a malformed header, or undefined. */
export function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
