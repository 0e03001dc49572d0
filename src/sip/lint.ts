/**
 * `lint`: is one raw SIP message well-formed (strict parse, RFC 3261 §25) and does it carry what a receiver needs
 * (§8.1.1 for requests, §8.2.6.2 for responses)? Pure: bytes in, verdict out. Syntax faults come from the strict
 * parser; semantic faults are the checks below, each named after the RFC rule a UAS or proxy applies to it.
 *
 * Errors make the message invalid (a UAS or proxy must reject it: 400, 415, 416, 420, 406 ...). Warnings name
 * things a receiver must treat specially but that do not make the message wrong in every role (Max-Forwards 0 is
 * fine at the target UA, RFC 2543 legacy branches, an authorization scheme a registrar ignores).
 */
import { Diagnostic } from './errors';
import { parseAuthParams, parseNameAddr, parseVia } from './fields';
import { SINGLETON_HEADERS, canonicalHeaderName } from './headers';
import { splitTopLevel } from './lex';
import { Header, SipMessage } from './message';
import { MAGIC_COOKIE } from './builders';
import { parse } from './parser';
import { Uri, parseUri } from './uri';

export interface LintResult {
  valid: boolean;
  kind?: 'request' | 'response';
  method?: string;
  status?: number;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** The parsed message, when the start line could be read. */
  message?: SipMessage;
}

/** Option tags registered with IANA that a SIP element may plausibly support (RFC 3261 §19.2, §27.1). */
export const KNOWN_OPTION_TAGS = new Set([
  '100rel',
  'answermode',
  'early-session',
  'eventlist',
  'explicitsub',
  'from-change',
  'geolocation-http',
  'geolocation-sip',
  'gin',
  'gruu',
  'histinfo',
  'ice',
  'join',
  'multiple-refer',
  'norefersub',
  'nosub',
  'outbound',
  'path',
  'policy',
  'precondition',
  'pref',
  'privacy',
  'recipient-list-invite',
  'recipient-list-message',
  'recipient-list-subscribe',
  'record-aware',
  'replaces',
  'resource-priority',
  'sdp-anat',
  'sec-agree',
  'siprec',
  'tdialog',
  'timer',
  'trickle-ice',
  'uui',
]);

/** Body types a SIP element commonly understands; anything else would get 415 (RFC 3261 §8.2.3). */
export const KNOWN_CONTENT_TYPES = new Set([
  'application/sdp',
  'application/isup',
  'application/qsig',
  'application/pidf+xml',
  'application/dialog-info+xml',
  'application/reginfo+xml',
  'application/simple-message-summary',
  'application/rlmi+xml',
  'application/xpidf+xml',
  'application/watcherinfo+xml',
  'application/pkcs7-mime',
  'application/pkcs7-signature',
  'application/dtmf-relay',
  'application/media_control+xml',
  'application/resource-lists+xml',
  'application/vnd.3gpp.sms',
  'message/sip',
  'message/sipfrag',
  'message/cpim',
  'text/plain',
  'text/html',
  'multipart/mixed',
  'multipart/alternative',
  'multipart/related',
  'multipart/signed',
]);

/** Methods that can establish a dialog and so MUST carry a Contact (RFC 3261 §8.1.1.8, RFC 3265, RFC 3515). */
const DIALOG_METHODS = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

const ALWAYS_REQUIRED = ['to', 'from', 'call-id', 'cseq', 'via'];

export function lint(input: Buffer | string): LintResult {
  const parsed = parse(input, { mode: 'strict' });
  const errors: Diagnostic[] = [...parsed.errors];
  const warnings: Diagnostic[] = [...parsed.warnings];
  const m = parsed.message;
  const result: LintResult = { valid: false, errors, warnings, message: m };
  if (!m) return result;
  if (m.isRequest) {
    result.kind = 'request';
    result.method = m.method;
  } else {
    result.kind = 'response';
    result.status = m.status;
  }
  const sem = (message: string, line?: number) => errors.push({ message, line, kind: 'semantic' });
  const warn = (message: string, line?: number) => warnings.push({ message, line, kind: 'semantic' });
  try {
    checkSemantics(m, sem, warn);
  } catch (e) {
    // Every check guards its own parsing; this only keeps lint's contract (a verdict, never a throw).
    errors.push({ message: `cannot check the message: ${(e as Error).message}`, kind: 'syntax' });
  }
  result.valid = errors.length === 0;
  return result;
}

type Report = (message: string, line?: number) => void;

/** splitTopLevel that tolerates an unterminated quote (the strict parser reported it already). */
function splitList(v: string): string[] {
  try {
    return splitTopLevel(v);
  } catch {
    return [v];
  }
}

function first(m: SipMessage, key: string): Header | undefined {
  for (const h of m.headers) if (h.key === key) return h;
  return undefined;
}

function tryUri(text: string): Uri | undefined {
  try {
    return parseUri(text, { strict: false });
  } catch {
    return undefined;
  }
}

function checkSemantics(m: SipMessage, sem: Report, warn: Report): void {
  const endLine = m.headers.length > 0 ? (m.headers[m.headers.length - 1]!.line ?? 1) + 1 : 2;
  // §7.2, §21: the first digit of a Status-Code is its class, 1 to 6; the grammar's 3DIGIT allows 700-999, which
  // belong to no class, so no receiver can know what they mean (§8.1.3.2 falls back to the class's x00).
  if (!m.isRequest && (m.status < 100 || m.status > 699))
    sem(`status code ${m.status} is in no response class: only 1xx-6xx exist (RFC 3261 §7.2, §21)`, 1);
  // §8.1.1 (requests) and §8.2.6.2 (responses copy them): To, From, CSeq, Call-ID, Via are mandatory.
  for (const key of ALWAYS_REQUIRED) {
    if (!first(m, key))
      sem(`missing mandatory ${canonicalHeaderName(key)} header (RFC 3261 §8.1.1; a UAS answers 400)`, endLine);
  }
  // §7.3.1 / §20: single-value headers appear once; repeated ones make the message ambiguous (400).
  const seen = new Map<string, Header>();
  for (const h of m.headers) {
    if (!SINGLETON_HEADERS.has(h.key)) continue;
    const prev = seen.get(h.key);
    if (!prev) {
      seen.set(h.key, h);
      continue;
    }
    if (h.key === 'content-length') {
      sem(
        `two Content-Length headers (line ${prev.line}: ${prev.value}, line ${h.line}: ${h.value}): the body length is ambiguous (RFC 3261 §20.14; 400)`,
        h.line,
      );
    } else {
      sem(
        `duplicate ${canonicalHeaderName(h.key)} header (first on line ${prev.line}): it may appear only once (RFC 3261 §7.3.1; 400)`,
        h.line,
      );
    }
  }
  checkVias(m, sem, warn);
  if (m.isRequest) checkRequest(m, sem, warn, endLine);
  checkBody(m, sem);
  checkAuth(m, warn);
}

function checkVias(m: SipMessage, sem: Report, warn: Report): void {
  let index = 0;
  for (const h of m.headers) {
    if (h.key !== 'via') continue;
    for (const text of splitList(h.value)) {
      let via;
      try {
        via = parseVia(text, false);
      } catch {
        continue; // the strict parser reported it
      }
      const branch = via.branch;
      if (index === 0 && m.isRequest) {
        if (branch === undefined)
          warn('top Via has no branch parameter: RFC 2543 transaction matching applies (RFC 3261 §17.2.3)', h.line);
        else if (branch === MAGIC_COOKIE) {
          warn(
            `top Via branch is the bare magic cookie "${MAGIC_COOKIE}" with no unique part: it cannot identify a transaction (RFC 3261 §8.1.1.7)`,
            h.line,
          );
        } else if (!branch.startsWith(MAGIC_COOKIE)) {
          warn(
            `top Via branch "${branch}" lacks the magic cookie ${MAGIC_COOKIE}: RFC 2543 transaction matching applies (RFC 3261 §8.1.1.7)`,
            h.line,
          );
        }
      }
      if (
        via.host === '255.255.255.255' ||
        /^(?:[0-9]{1,3}\.){3}255$/.test(via.host) ||
        via.received === '255.255.255.255'
      ) {
        warn(
          `Via sent-by ${via.host} is a broadcast address: a response must not be sent there (RFC 3261 §18.2.2)`,
          h.line,
        );
      }
      ambiguousIPv6(via.host, via.port, `Via sent-by`, h.line, warn);
      index++;
    }
  }
}

/** RFC 5118 §4.3: `[2001:db8::10:5070]` has no port; the sender probably meant port 5070. */
function ambiguousIPv6(
  host: string,
  port: number | undefined,
  what: string,
  line: number | undefined,
  warn: Report,
): void {
  if (!host.startsWith('[') || port !== undefined) return;
  const inner = host.slice(1, -1);
  const lastGroup = inner.slice(inner.lastIndexOf(':') + 1);
  if (
    inner.includes('::') &&
    /^[0-9]{4,5}$/.test(lastGroup) &&
    Number(lastGroup) >= 1024 &&
    Number(lastGroup) <= 65535
  ) {
    warn(
      `${what} ${host} has no port, but its last group "${lastGroup}" looks like a port: write [${inner.slice(0, inner.lastIndexOf(':'))}]:${lastGroup} if a port is meant (RFC 5118 §4.3)`,
      line,
    );
  }
}

function checkRequest(m: SipMessage & { isRequest: true }, sem: Report, warn: Report, endLine: number): void {
  // A top Via without the magic cookie marks an RFC 2543 element: RFC 3261 §8.1.1.7 / RFC 4475 §3.4.1 say accept
  // its requests, which predate the Max-Forwards and Contact requirements, so those become warnings.
  const topVia = first(m, 'via');
  const legacy = topVia !== undefined && !/;[ \t]*branch[ \t]*=[ \t]*z9hG4bK/i.test(topVia.value);
  const missing = legacy ? warn : sem;
  // §8.2.2.1: a UAS that does not understand the Request-URI scheme answers 416.
  const ruri = tryUri(m.uriText);
  if (ruri) {
    if (ruri.kind === 'absolute')
      sem(
        `Request-URI scheme "${ruri.scheme}" is not sip, sips or tel (RFC 3261 §8.2.2.1: 416 Unsupported URI Scheme)`,
        1,
      );
    if (ruri.kind === 'sip') ambiguousIPv6(ruri.host, ruri.port, 'Request-URI host', 1, warn);
    if (m.method === 'REGISTER' && ruri.kind === 'sip' && ruri.user !== undefined) {
      warn(`REGISTER Request-URI "${m.uriText}" has a user part, which it must not (RFC 3261 §10.2)`, 1);
    }
  }
  const mf = first(m, 'max-forwards');
  if (!mf)
    missing(
      `no Max-Forwards header (RFC 3261 §8.1.1.6 requires one${legacy ? '; tolerated from an RFC 2543 element' : ''})`,
      endLine,
    );
  else if (/^0+$/.test(mf.value.trim())) {
    warn(
      `Max-Forwards is 0: a proxy must not forward this ${m.method} (483 Too Many Hops, RFC 3261 §16.3); only the target may answer it (§11)`,
      mf.line,
    );
  }
  if (m.method === 'REGISTER') {
    // §10.3 step 5: the To header field holds the address-of-record, a SIP or SIPS URI.
    const to = first(m, 'to');
    if (to) {
      try {
        const na = parseNameAddr(to.value, false);
        if (na.uri.kind !== 'sip')
          sem(
            `REGISTER To "${to.value}" is not a SIP or SIPS URI: no address-of-record (RFC 3261 §10.3 step 5; 404/416)`,
            to.line,
          );
      } catch {
        /* syntax already reported */
      }
    }
    for (const h of m.headers) {
      if (h.key !== 'contact' || h.value.trim() === '*') continue;
      for (const c of splitList(h.value)) {
        try {
          const na = parseNameAddr(c, false);
          if (na.uri.kind === 'absolute')
            warn(`REGISTER Contact "${c}" uses scheme "${na.uri.scheme}", which the registrar may not support`, h.line);
        } catch {
          /* syntax already reported */
        }
      }
    }
  }
  if (DIALOG_METHODS.has(m.method) && !first(m, 'contact')) {
    missing(
      `${m.method} without a Contact header: a dialog-creating request MUST carry one (RFC 3261 §8.1.1.8${legacy ? '; tolerated from an RFC 2543 element' : ''})`,
      endLine,
    );
  }
  // §8.2.2.3: every option tag in Require must be understood (else 420 Bad Extension); Proxy-Require likewise at
  // proxies (§16.3 step 4 / §20.29).
  for (const name of ['require', 'proxy-require'] as const) {
    for (const h of m.headers) {
      if (h.key !== name) continue;
      for (const tag of splitList(h.value)) {
        if (tag !== '' && !KNOWN_OPTION_TAGS.has(tag.toLowerCase())) {
          sem(
            `${canonicalHeaderName(name)} names the unknown extension "${tag}" (RFC 3261 §8.2.2.3: 420 Bad Extension)`,
            h.line,
          );
        }
      }
    }
  }
}

function mediaType(v: string): string {
  const semi = v.indexOf(';');
  return (semi < 0 ? v : v.slice(0, semi)).replace(/[ \t]/g, '').toLowerCase();
}

function checkBody(m: SipMessage, sem: Report): void {
  const ct = first(m, 'content-type');
  if (m.body.length > 0 && !ct) {
    sem(`a ${m.body.length}-byte body without a Content-Type header (RFC 3261 §20.15)`);
    return;
  }
  if (!ct) return;
  const type = mediaType(ct.value);
  if (!KNOWN_CONTENT_TYPES.has(type)) {
    sem(`Content-Type "${type}" is not a known body type (RFC 3261 §8.2.3: 415 Unsupported Media Type)`, ct.line);
  }
  // §8.2.3 / §21.4.7: a UAS answering with a body must use a type the request's Accept lists (else 406). An
  // INVITE with an SDP offer needs an SDP answer, so Accept without application/sdp cannot be satisfied.
  if (m.isRequest) {
    const accept = m.headers.filter((h) => h.key === 'accept');
    if (accept.length > 0 && m.body.length > 0) {
      const types = accept
        .flatMap((h) => splitList(h.value))
        .map(mediaType)
        .filter((t) => t !== '');
      const ok = types.some((t) => t === '*/*' || t === type || (t.endsWith('/*') && type.startsWith(t.slice(0, -1))));
      if (!ok) {
        sem(
          `the body is ${type} but Accept (line ${accept[0]!.line}) lists only ${types.join(', ') || 'nothing'}: no acceptable answer exists (RFC 3261 §21.4.7: 406 Not Acceptable)`,
          accept[0]!.line,
        );
      }
    }
  }
}

function checkAuth(m: SipMessage, warn: Report): void {
  for (const h of m.headers) {
    if (
      h.key !== 'authorization' &&
      h.key !== 'proxy-authorization' &&
      h.key !== 'www-authenticate' &&
      h.key !== 'proxy-authenticate'
    )
      continue;
    try {
      const { scheme } = parseAuthParams(h.value);
      if (scheme.toLowerCase() !== 'digest') {
        warn(
          `${canonicalHeaderName(h.key)} uses the unknown authentication scheme "${scheme}": only Digest is defined for SIP (RFC 3261 §22.4); a registrar ignores it or challenges (401)`,
          h.line,
        );
      }
    } catch {
      /* syntax already reported */
    }
  }
}
