/**
 * Parser for SIP messages on Buffers (RFC 3261 §7, ABNF §25). Two modes:
 * - strict: what a conformance verdict needs — exact start-line spacing, CRLF line ends, every known header
 *   checked against its grammar, Content-Length consistent with the bytes present;
 * - lenient: what a tolerant receiver accepts — bare LF, sloppy spacing, header values checked only when read.
 * The parser never throws for bad input: it returns a result with structured diagnostics.
 */
import { Diagnostic, SipSyntaxError } from './errors';
import { headerKey as headerKey_ } from './headers';
import { TOKEN_CHARS, isToken as isToken_, trimWs as trimWs_ } from './lex';

// A module-local reference: indexing it per character avoids a cross-module accessor call per character.
const TOKEN = TOKEN_CHARS;
import { Header, SipMessage, SipRequest, SipResponse } from './message';
import { keyInfo, validateHeaders as validateHeaders_, type KeyInfo } from './validate';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const headerKey = headerKey_;
const isToken = isToken_;
const trimWs = trimWs_;
const validateHeaders = validateHeaders_;
const SipRequestClass = SipRequest;
const SipResponseClass = SipResponse;

export type Strictness = 'strict' | 'lenient';

export interface ParseOptions {
  mode?: Strictness;
  /**
   * Datagram (default): the buffer holds one message; octets past Content-Length are discarded (§18.3).
   * Stream: the caller framed the message already (see framing.ts), so the same rule applies.
   */
  transport?: 'datagram' | 'stream';
}

export interface ParseResult {
  message?: SipMessage;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

/** Index just past the blank line that ends the header section, and its length, or -1. */
export function findHeaderEnd(
  buf: Buffer,
  start = 0,
  lenient = true,
): { headEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf(CRLFCRLF, start);
  if (!lenient) return crlf < 0 ? undefined : { headEnd: crlf, bodyStart: crlf + 4 };
  // A bare-LF blank line counts only when it comes first: search for it before the CRLFCRLF, not in the body.
  const lf = crlf < 0 ? buf.indexOf(LFLF, start) : buf.subarray(0, crlf + 1).indexOf(LFLF, start);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) {
    // "\r\n\n" also ends the head in lenient mode.
    return { headEnd: lf, bodyStart: lf + 2 };
  }
  return undefined;
}

/** Parses one message, throwing SipSyntaxError on the first error. Convenience for trusted input and tests. */
export function parseMessage(input: Buffer | string, opts: ParseOptions = {}): SipMessage {
  const r = parse(input, opts);
  if (!r.message || r.errors.length > 0) {
    const e = r.errors[0];
    throw new SipSyntaxError(e ? e.message : 'unparseable message', e?.line);
  }
  return r.message;
}

export function parse(input: Buffer | string, opts: ParseOptions = {}): ParseResult {
  return parseFramed(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, opts, false);
}

/**
 * lfChecked: whether to look for a bare-LF blank line (lenient framing) before trusting the first CRLF CRLF. The
 * first attempt does not: an empty line met while scanning the head shows there may be one, and the message is then
 * parsed again with the check, so only such messages pay for it.
 */
function parseFramed(buf: Buffer, opts: ParseOptions, lfChecked: boolean): ParseResult {
  const strict = (opts.mode ?? 'strict') === 'strict';
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  // §7.5: implementations SHOULD ignore CRLFs before the start line.
  let start = 0;
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  const leadingLines = start === 0 ? 0 : countNewlines(buf, 0, start);

  let end: { headEnd: number; bodyStart: number } | undefined;
  let head = '';
  let headBytes = 0; // how many bytes of buf the head was decoded from
  let bodyStart = 0;
  const crlf = buf.indexOf(CRLFCRLF, start);
  if (crlf >= 0) {
    // The usual case. Lenient framing also ends the head at an earlier bare-LF blank line: any such LF LF lies in
    // these bytes, and an ASCII byte decodes to the same character, so the decoded head tells whether to look again.
    head = buf.toString('utf8', start, crlf);
    headBytes = crlf - start;
    if (!lfChecked || head.indexOf('\n\n') < 0) {
      end = { headEnd: crlf, bodyStart: crlf + 4 };
      bodyStart = crlf + 4;
    }
  }
  if (end === undefined) end = findHeaderEnd(buf, start, true);
  if (end === undefined) {
    // No blank line: the message is truncated. Parse what there is so the error can say more.
    head = buf.toString('utf8', start);
    headBytes = buf.length - start;
    bodyStart = buf.length;
    syntax(errors, 'no empty line (CRLF CRLF) ends the header section: message truncated or not SIP');
  } else if (bodyStart === 0) {
    head = buf.toString('utf8', start, end.headEnd);
    headBytes = end.headEnd - start;
    bodyStart = end.bodyStart;
    if (strict && buf[end.headEnd] !== 13)
      syntax(errors, 'header section ends with a bare LF blank line, not CRLF CRLF');
  }

  // The received bytes, when each decoded to one character (bytes[start + k] is head.charCodeAt(k)): header names
  // and values are then compared and checked on them (see ascii.ts).
  const bytes = head.length === headBytes ? buf : undefined;

  // One left-to-right pass over the head: each line is found with indexOf, header names are scanned by char code,
  // values are sliced once (no regular expressions, no per-line arrays).
  const len = head.length;
  const sc: LineScan = {
    head,
    len,
    pos: 0,
    nl: 0,
    lineEnd: 0,
    lineNo: 1 + leadingLines,
    strict,
    lfReported: false,
    crReported: false,
    errors,
  };
  nextLine(sc);
  if (sc.lineEnd === 0) {
    syntax(errors, 'empty message', 1);
    return { errors, warnings };
  }
  let message: SipMessage;
  const startLineNo = sc.lineNo;
  try {
    message = parseStartLine(head.slice(0, sc.lineEnd), strict);
  } catch (e) {
    syntax(errors, (e as Error).message, startLineNo);
    return { errors, warnings };
  }

  const headers: Header[] = message.headers; // the new message's own (empty) list
  // Strict mode: each header's check, found with its name in the table below (null: look it up by key).
  // One scratch array for all parses: parse() runs to completion synchronously, validateHeaders included.
  const infos: Array<KeyInfo | undefined | null> | undefined = strict ? INFOS : undefined;
  let infoCount = 0;
  let contentLength: Header | undefined;
  sc.pos = sc.nl + 1;
  sc.lineNo++;
  while (sc.nl < len) {
    nextLine(sc);
    const pos = sc.pos;
    const lineEnd = sc.lineEnd;
    const line = sc.lineNo;
    sc.pos = sc.nl + 1;
    sc.lineNo++;
    if (lineEnd === pos && !lfChecked) return parseFramed(buf, opts, true); // an empty line: see parseFramed
    const first = head.charCodeAt(pos);
    if (first === 32 || first === 9) {
      // A continuation line before any header (folding is handled below, with the header it continues).
      syntax(errors, 'continuation line before any header', line);
      continue;
    }
    // header-name: token, then optional whitespace, then ":" (§7.3.1). The usual spellings of the usual headers,
    // right before their colon, come from a table (no scan of the name, no slice, no key lookup).
    let i = head.indexOf(':', pos);
    let known =
      i > pos && i < lineEnd
        ? bytes !== undefined
          ? knownHeaderAt(bytes, start + pos, start + i)
          : knownHeader(head, pos, i)
        : undefined;
    let nameEnd = i;
    if (known === undefined) {
      i = pos;
      let tokenOk = true;
      for (; i < lineEnd; i++) {
        const c = head.charCodeAt(i);
        if (c === 58 || c === 32 || c === 9) break;
        if (tokenOk && (c >= 128 || TOKEN[c] !== 1)) tokenOk = false;
      }
      nameEnd = i;
      while (i < lineEnd && (head.charCodeAt(i) === 32 || head.charCodeAt(i) === 9)) i++;
      if (i >= lineEnd || head.charCodeAt(i) !== 58 || nameEnd === pos) {
        const colon = head.indexOf(':', pos);
        if (nameEnd > pos && colon >= 0 && colon < lineEnd)
          syntax(errors, `bad header name "${clip(head.slice(pos, colon))}"`, line);
        else syntax(errors, `header line without a colon: "${clip(head.slice(pos, lineEnd))}"`, line);
        continue;
      }
      if (!tokenOk) {
        syntax(errors, `bad header name "${clip(head.slice(pos, nameEnd))}"`, line);
        continue;
      }
      known = knownHeader(head, pos, nameEnd);
    }
    const name = known === undefined ? head.slice(pos, nameEnd) : known.name;
    const key = known === undefined ? headerKey(name) : known.key;
    // value: from after the colon, LWS trimmed (SP/HTAB only: U+FEFF and friends are value characters).
    let vs = i + 1;
    while (vs < lineEnd && (head.charCodeAt(vs) === 32 || head.charCodeAt(vs) === 9)) vs++;
    let ve = lineEnd;
    while (ve > vs && (head.charCodeAt(ve - 1) === 32 || head.charCodeAt(ve - 1) === 9)) ve--;
    let value = head.slice(vs, ve);
    let folded = false;
    // Folding (§7.3.1): following lines that start with SP or HTAB continue this value; the fold is one SP.
    while (sc.nl < len) {
      const c = head.charCodeAt(sc.pos);
      if (c !== 32 && c !== 9) break;
      folded = true;
      nextLine(sc);
      const part = trimWs(head.slice(sc.pos, sc.lineEnd));
      if (part !== '') value = value === '' ? part : value + ' ' + part;
      sc.pos = sc.nl + 1;
      sc.lineNo++;
    }
    const h: Header = { name, key, value, line };
    headers.push(h);
    if (infos !== undefined) {
      // Where the value lies in the head (-1: folded, so only the value string has it), for checks that read in place.
      VALUE_FROM[infoCount] = folded ? -1 : vs;
      VALUE_TO[infoCount] = ve;
      infos[infoCount++] = known === undefined ? null : known.info;
    }
    if (contentLength === undefined && h.key === 'content-length') contentLength = h;
  }

  // Body and Content-Length (§18.3, §20.14).
  const available = buf.length - bodyStart;
  let bodyLength = available;
  if (contentLength) {
    const h = contentLength;
    const cl = parseDigits(h.value);
    if (cl < 0) {
      syntax(errors, `Content-Length "${clip(h.value)}" is not a non-negative integer`, h.line);
    } else if (cl > available && end) {
      syntax(errors, `Content-Length ${cl} is larger than the ${available} body bytes present`, h.line);
    } else if (cl < available) {
      // Datagram: "additional bytes in the transport packet beyond the end of the body MUST be discarded".
      bodyLength = cl;
      warnings.push({
        message: `${available - cl} bytes after the body (beyond Content-Length ${cl}) discarded`,
        line: h.line,
        kind: 'syntax',
      });
    } else bodyLength = cl;
  } else if (opts.transport === 'stream') {
    syntax(errors, 'Content-Length is required on stream transports (§18.3)');
  }
  const bodyBytes = Math.max(0, Math.min(bodyLength, available));
  message.body = bodyBytes === 0 ? EMPTY_BODY : buf.subarray(bodyStart, bodyStart + bodyBytes);

  // The checks scan the received bytes where each byte decoded to one character, so that a value's place in the
  // head is also its place in buf (see ascii.ts); otherwise each value's own text.
  if (strict) validateHeaders(message, errors, warnings, infos, head, VALUE_FROM, VALUE_TO, bytes, start);
  return { message, errors, warnings };
}

/** Shared by every parsed message without a body (a zero-length Buffer has nothing to mutate). */
const EMPTY_BODY = Buffer.alloc(0);

interface KnownHeader {
  name: string;
  /** The name's bytes (ASCII), for knownHeaderAt. */
  codes: Uint8Array;
  key: string;
  /** Its strict check (undefined: none), looked up once here rather than per header. */
  info: KeyInfo | undefined;
}

/** parse()'s scratch list of each header's check, for validateHeaders (strict mode). */
const INFOS: Array<KeyInfo | undefined | null> = [];
const VALUE_FROM: number[] = [];
const VALUE_TO: number[] = [];

/** Header names as nearly every implementation spells them, by length and first character (len * 128 + code). */
const KNOWN: Array<KnownHeader[] | undefined> = [];
for (const name of [
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Max-Forwards',
  'Route',
  'Record-Route',
  'Content-Type',
  'Content-Length',
  'Allow',
  'Supported',
  'Require',
  'Proxy-Require',
  'Unsupported',
  'User-Agent',
  'Server',
  'Authorization',
  'Proxy-Authorization',
  'WWW-Authenticate',
  'Proxy-Authenticate',
  'Expires',
  'Min-Expires',
  'Path',
  'Service-Route',
  'Date',
  'Subject',
  'Event',
  'Allow-Events',
  'Accept',
  'Warning',
  'Refer-To',
  'Reply-To',
  'Retry-After',
  'Session-Expires',
  'Min-SE',
  'RSeq',
  'RAck',
  'Privacy',
  'P-Asserted-Identity',
  'Content-Disposition',
  'Content-Encoding',
  'Accept-Encoding',
  'Accept-Language',
  'Subscription-State',
  'Referred-By',
  'Timestamp',
  'Organization',
  'Priority',
  'Call-Info',
  'Alert-Info',
  'Error-Info',
  'MIME-Version',
  'Replaces',
  'Call-Id',
  'Cseq',
]) {
  const key = headerKey(name);
  (KNOWN[name.length * 128 + name.charCodeAt(0)] ??= []).push({
    name,
    codes: new Uint8Array(Buffer.from(name, 'latin1')),
    key,
    info: keyInfo(key),
  });
}

/** The table entry spelled exactly like head[from, to), or undefined. */
function knownHeader(head: string, from: number, to: number): KnownHeader | undefined {
  const first = head.charCodeAt(from);
  if (first >= 128) return undefined;
  const candidates = KNOWN[(to - from) * 128 + first];
  if (candidates === undefined) return undefined;
  for (let c = 0; c < candidates.length; c++) {
    if (head.startsWith(candidates[c]!.name, from)) return candidates[c];
  }
  return undefined;
}

/** knownHeader on the received bytes b[from, to), compared byte by byte (no string built or searched). */
function knownHeaderAt(b: Uint8Array, from: number, to: number): KnownHeader | undefined {
  const first = b[from]!;
  if (first >= 128) return undefined;
  const candidates = KNOWN[(to - from) * 128 + first];
  if (candidates === undefined) return undefined;
  next: for (let c = 0; c < candidates.length; c++) {
    const codes = candidates[c]!.codes;
    for (let k = 1; k < codes.length; k++) if (b[from + k] !== codes[k]) continue next;
    return candidates[c];
  }
  return undefined;
}

function syntax(errors: Diagnostic[], message: string, line?: number): void {
  errors.push({ message, line, kind: 'syntax' });
}

interface LineScan {
  head: string;
  len: number;
  /** Start of the current line. */
  pos: number;
  /** Index of the current line's LF (or len). */
  nl: number;
  /** End of the current line's text (before its CR). */
  lineEnd: number;
  lineNo: number;
  strict: boolean;
  lfReported: boolean;
  crReported: boolean;
  errors: Diagnostic[];
}

/** Finds the line starting at sc.pos; in strict mode reports the first bare LF and the first bare CR. */
function nextLine(sc: LineScan): void {
  const { head, len, pos } = sc;
  let nl = head.indexOf('\n', pos);
  if (nl < 0) nl = len;
  let lineEnd = nl;
  if (lineEnd > pos && head.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  else if (nl < len && sc.strict && !sc.lfReported) {
    syntax(sc.errors, 'line ends with a bare LF, not CRLF (§7)', sc.lineNo);
    sc.lfReported = true;
  }
  if (sc.strict && !sc.crReported) {
    const cr = head.indexOf('\r', pos);
    if (cr >= 0 && cr < lineEnd) {
      syntax(sc.errors, 'bare CR inside a header line', sc.lineNo);
      sc.crReported = true;
    }
  }
  sc.nl = nl;
  sc.lineEnd = lineEnd;
}

/** A 1*DIGIT value as a number, or -1 when it is not one (or too long to be a sane length). */
function parseDigits(s: string): number {
  if (s.length === 0 || s.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * The usual start lines in one scan: `METHOD SP Request-URI SP SIP/2.0` and `SIP/2.0 SP 3DIGIT SP Reason-Phrase`,
 * single spaces (§25.1). undefined for anything else: parseStartLine's general path then decides and explains.
 */
function parsePlainStartLine(text: string): SipMessage | undefined {
  const len = text.length;
  if (text.startsWith('SIP/2.0 ')) {
    if (len < 12 || text.charCodeAt(11) !== 32) return undefined;
    const d0 = text.charCodeAt(8) - 48;
    const d1 = text.charCodeAt(9) - 48;
    const d2 = text.charCodeAt(10) - 48;
    if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
    // Reason-Phrase: anything but CR/LF; a leading SP/HTAB reads differently in lenient mode, so leave it to the
    // general path, as line separators the regular expressions there treat as line ends.
    const first = text.charCodeAt(12);
    if (first === 32 || first === 9) return undefined;
    for (let i = 12; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return undefined;
    }
    return new SipResponseClass(d0 * 100 + d1 * 10 + d2, text.slice(12));
  }
  let i = 0;
  while (i < len && TOKEN[text.charCodeAt(i)] === 1) i++;
  if (i === 0 || i >= len || text.charCodeAt(i) !== 32) return undefined;
  const uriStart = i + 1;
  i = uriStart;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 60 || c >= 127) break;
    i++;
  }
  if (i === uriStart || i !== len - 8 || text.charCodeAt(i) !== 32 || !text.endsWith('SIP/2.0')) return undefined;
  return new SipRequestClass(text.slice(0, uriStart - 1), text.slice(uriStart, i));
}

function parseStartLine(text: string, strict: boolean): SipMessage {
  const plain = parsePlainStartLine(text);
  if (plain !== undefined) return plain;
  if (text.startsWith('SIP/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const m = strict
      ? /^(SIP\/[0-9]+\.[0-9]+) ([0-9]+) (.*)$/.exec(text)
      : /^(SIP\/[0-9]+\.[0-9]+)[ \t]+([0-9]+)(?:[ \t]+(.*))?$/.exec(text);
    if (!m) throw new SipSyntaxError(`bad status line "${clip(text)}"`);
    if (m[2]!.length !== 3) throw new SipSyntaxError(`status code "${clip(m[2]!)}" is not three digits`);
    const status = Number(m[2]);
    if (status < 100) throw new SipSyntaxError(`status code ${status} is below 100`);
    checkVersion(m[1]!);
    const r = new SipResponseClass(status, m[3] ?? '');
    r.version = m[1]!;
    return r;
  }
  // Request-Line = Method SP Request-URI SP SIP-Version, single spaces (§25.1).
  const parts = strict ? text.split(' ') : text.trim().split(/[ \t]+/);
  if (parts.length !== 3) {
    if (strict && (text.endsWith(' ') || text.endsWith('\t')))
      throw new SipSyntaxError(`trailing whitespace after the SIP-Version on the request line "${clip(text)}" (§25.1)`);
    if (strict && / {2}|\t/.test(text))
      throw new SipSyntaxError(
        `request line "${clip(text)}" must separate its three elements by single spaces (§25.1)`,
      );
    if (parts.length > 3 && /^SIP\/[0-9]/i.test(parts[parts.length - 1]!)) {
      throw new SipSyntaxError(
        `whitespace inside the Request-URI "${clip(parts.slice(1, -1).join(' '))}" (§25.1: the Request-URI has no LWS)`,
      );
    }
    throw new SipSyntaxError(`bad request line "${clip(text)}": expected "METHOD Request-URI SIP/2.0"`);
  }
  const [method, uri, version] = parts as [string, string, string];
  if (!isToken(method)) throw new SipSyntaxError(`bad method "${clip(method)}"`);
  if (!/^SIP\/[0-9]+\.[0-9]+$/.test(version))
    throw new SipSyntaxError(`bad SIP version "${clip(version)}" on the request line`);
  checkVersion(version);
  if (uri.startsWith('<')) throw new SipSyntaxError(`Request-URI "${clip(uri)}" must not be enclosed in <> (§25.1)`);
  const r = new SipRequestClass(method, uri);
  r.version = version;
  return r;
}

function checkVersion(v: string): void {
  if (v.toUpperCase() !== 'SIP/2.0') throw new SipSyntaxError(`unsupported SIP version "${v}" (505)`);
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (buf[i] === 10) n++;
  return n;
}

function clip(s: string, n = 60): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
