/**
 * Request validation a proxy (or registrar) makes before anything else (RFC 3261 §16.3, §8.2.2): a parseable but
 * bad request gets 400 with the reason, an unsupported URI scheme 416, an unknown Proxy-Require tag 420.
 */
import type { Diagnostic } from '../sip/errors';
import { SipRequest, SipResponse } from '../sip/message';
import { parse } from '../sip/parser';

export interface RequestRejection {
  status: number;
  reason?: string;
  headers?: Array<[string, string]>;
}

export interface ValidationPolicy {
  /** Option tags this element understands (§16.3 step 5: anything else in Proxy-Require gets 420). */
  supportedTags: readonly string[];
  /** Header fields (lower-case) the element reads: a grammar fault in one of them makes the request unusable. */
  processedHeaders: ReadonlySet<string>;
  /** The warn-agent of the Warning header sent with a 416 (§20.43). */
  warnAgent: string;
}

/** Single-value header fields (RFC 3261 §7.3.1, §20). */
const SINGLE_VALUE_HEADERS = ['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-length'];

/**
 * §16.3 steps 1–6 and §8.2.2: undefined when the request may be processed, else the response that rejects it.
 * `violations` are the strict parser's findings on the request (grammar errors it could read past).
 */
export function validateRequest(
  req: SipRequest,
  violations: readonly Diagnostic[],
  policy: ValidationPolicy,
): RequestRejection | undefined {
  // §16.3 step 1: only the parts a proxy/registrar processes must be well-formed; errors elsewhere are tolerated.
  const syntax = violations.find((v) => v.kind === 'syntax' && matters(req, v.line, policy.processedHeaders));
  if (syntax) return { status: 400, reason: `Bad Request (${shortReason(syntax.message)})` };
  // §7.3.1: only comma-list headers may repeat; two different values of a single-value header make the request
  // ambiguous (RFC 4475 §3.3.8): 400.
  const dup = SINGLE_VALUE_HEADERS.find((k) => new Set(req.getAll(k).map((v) => v.trim())).size > 1);
  if (dup) return { status: 400, reason: `Bad Request (more than one ${dup} header field)` };
  let uri;
  try {
    if (req.cseq.method !== req.method)
      return { status: 400, reason: `Bad Request (CSeq method ${req.cseq.method} is not ${req.method})` };
    void req.maxForwards;
    void req.routes;
    uri = req.uri;
  } catch (e) {
    return { status: 400, reason: `Bad Request (${shortReason((e as Error).message)})` };
  }
  // §16.3 step 2: a URI scheme the proxy does not understand gets 416.
  if (uri.kind !== 'sip')
    return { status: 416, headers: [['Warning', `399 ${policy.warnAgent} "cannot route a ${uri.kind} URI"`]] };
  // §16.3 step 5: every Proxy-Require tag must be understood (§8.2.2.3: Unsupported lists the ones that are not).
  const unknown = req.optionTags('proxy-require').filter((t) => !policy.supportedTags.includes(t));
  if (unknown.length) return { status: 420, headers: [['Unsupported', unknown.join(', ')]] };
  return undefined;
}

/**
 * The answer to bytes the strict parser could not use (§8.2, §16.3 step 1): a request whose Via can still be read
 * gets 400 with the reason — or 505 when it is of another SIP version (§21.5.7, RFC 4475 §3.1.2.16), its headers
 * then read as 2.0. Anything else (a response, an ACK, no Via) gets nothing: undefined.
 */
export function answerUnusable(
  data: Buffer,
  errors: readonly Diagnostic[],
): { request: SipRequest; response: SipResponse } | undefined {
  const version = errors.some((e) => /unsupported SIP version/.test(e.message));
  const text = version
    ? Buffer.from(data.toString('latin1').replace(/^(\S+ \S+ )SIP\/\d+\.\d+\r\n/, '$1SIP/2.0\r\n'), 'latin1')
    : data;
  const m = parse(text, { mode: 'lenient' }).message;
  if (!m || !m.isRequest || m.method === 'ACK') return undefined;
  let hasVia: boolean;
  try {
    hasVia = m.vias.length > 0;
  } catch {
    hasVia = false;
  }
  if (!hasVia) return undefined;
  const response = version
    ? new SipResponse(505, 'Version Not Supported')
    : new SipResponse(400, `Bad Request (${shortReason(errors[0]?.message ?? 'unusable message')})`);
  for (const h of m.headers)
    if (h.key === 'via' || h.key === 'from' || h.key === 'to' || h.key === 'call-id' || h.key === 'cseq')
      response.headers.push({ ...h });
  return { request: m, response };
}

/** Whether a grammar error on this line concerns what we process: the request line, framing, or a header we read. */
function matters(req: SipRequest, line: number | undefined, processed: ReadonlySet<string>): boolean {
  if (line === undefined || line === 1) return true;
  const h = req.headers.find((x) => x.line === line);
  return !h || processed.has(h.key);
}

/** A parser message made fit for a reason phrase: one line of printable ASCII, at most 100 characters. */
export function shortReason(s: string): string {
  const clean = s.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 100 ? clean.slice(0, 97) + '...' : clean;
}
