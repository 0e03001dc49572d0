/**
 * Parser for SIP messages on Buffers (RFC 3261 §7, ABNF §25). Two modes:
 * - strict: what a conformance verdict needs — exact start-line spacing, CRLF line ends, every known header
 *   checked against its grammar, Content-Length consistent with the bytes present;
 * - lenient: what a tolerant receiver accepts — bare LF, sloppy spacing, header values checked only when read.
 * The parser never throws for bad input: it returns a result with structured diagnostics.
 */
import { Diagnostic, SipSyntaxError, clip } from './errors';
import { headerKey as headerKey_ } from './headers';
import { knownHeader as knownHeader_, knownHeaderAt as knownHeaderAt_ } from './header-names';
import { TOKEN_CHARS, trimWs as trimWs_ } from './lex';
import type { Header, SipMessage } from './message';
import { parseStartLine as parseStartLine_ } from './start-line';
import { validateHeaders as validateHeaders_, type KeyInfo } from './validate';

// Module-local bindings of the functions called on the hot path: in the CommonJS output (tsx, esbuild) every use
// of an imported binding goes through an export accessor, which costs more than these small functions do.
const headerKey = headerKey_;
const knownHeader = knownHeader_;
const knownHeaderAt = knownHeaderAt_;
const parseStartLine = parseStartLine_;
const trimWs = trimWs_;
const TOKEN = TOKEN_CHARS;
const validateHeaders = validateHeaders_;

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
  const frame = frameHead(buf, strict, lfChecked, errors);
  const head = frame.head;
  // The received bytes, when each decoded to one character (bytes[start + k] is head.charCodeAt(k)): header names
  // and values are then compared and checked on them (see ascii.ts).
  const bytes = head.length === frame.headBytes ? buf : undefined;

  // One left-to-right pass over the head: each line is found with indexOf, header names are scanned by char code,
  // values are sliced once (no regular expressions, no per-line arrays).
  const sc: LineScan = {
    head,
    len: head.length,
    pos: 0,
    nl: 0,
    lineEnd: 0,
    lineNo: 1 + frame.leadingLines,
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
  sc.pos = sc.nl + 1;
  sc.lineNo++;
  if (!readHeaders(sc, message.headers, bytes, frame.start, lfChecked)) return parseFramed(buf, opts, true);
  message.body = readBody(buf, frame, message.headers, opts.transport === 'stream', errors, warnings);

  // The checks scan the received bytes where each byte decoded to one character, so that a value's place in the
  // head is also its place in buf (see ascii.ts); otherwise each value's own text.
  if (strict) validateHeaders(message, errors, warnings, INFOS, head, VALUE_FROM, VALUE_TO, bytes, frame.start);
  return { message, errors, warnings };
}

/** The head of a message (start line and header lines, as text) and where its body starts. */
interface HeadFrame {
  /** Where the start line begins in the buffer (§7.5: CRLFs before it are skipped). */
  start: number;
  /** How many lines were skipped before the start line. */
  leadingLines: number;
  head: string;
  /** How many bytes of the buffer the head was decoded from. */
  headBytes: number;
  bodyStart: number;
  /** False when no blank line ends the head (a truncated message). */
  complete: boolean;
}

function frameHead(buf: Buffer, strict: boolean, lfChecked: boolean, errors: Diagnostic[]): HeadFrame {
  // §7.5: implementations SHOULD ignore CRLFs before the start line.
  let start = 0;
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  const leadingLines = start === 0 ? 0 : countNewlines(buf, 0, start);
  const crlf = buf.indexOf(CRLFCRLF, start);
  if (crlf >= 0) {
    // The usual case. Lenient framing also ends the head at an earlier bare-LF blank line: any such LF LF lies in
    // these bytes, and an ASCII byte decodes to the same character, so the decoded head tells whether to look again.
    const head = buf.toString('utf8', start, crlf);
    if (!lfChecked || head.indexOf('\n\n') < 0)
      return { start, leadingLines, head, headBytes: crlf - start, bodyStart: crlf + 4, complete: true };
  }
  const end = findHeaderEnd(buf, start, true);
  if (end === undefined) {
    // No blank line: the message is truncated. Parse what there is so the error can say more.
    syntax(errors, 'no empty line (CRLF CRLF) ends the header section: message truncated or not SIP');
    const head = buf.toString('utf8', start);
    return { start, leadingLines, head, headBytes: buf.length - start, bodyStart: buf.length, complete: false };
  }
  if (strict && buf[end.headEnd] !== 13) syntax(errors, 'header section ends with a bare LF blank line, not CRLF CRLF');
  const head = buf.toString('utf8', start, end.headEnd);
  return { start, leadingLines, head, headBytes: end.headEnd - start, bodyStart: end.bodyStart, complete: true };
}

/**
 * Reads the header lines after the start line into `headers`, and in strict mode each one's check (INFOS) and the
 * place of its value in the head (VALUE_FROM, VALUE_TO). False when it meets an empty line: the head may end at a
 * bare-LF blank line, and parseFramed parses again with lfChecked.
 */
function readHeaders(
  sc: LineScan,
  headers: Header[],
  bytes: Buffer | undefined,
  start: number,
  lfChecked: boolean,
): boolean {
  const { head, len } = sc;
  // Strict mode: each header's check, found with its name in the table (null: look it up by key). One scratch
  // array for all parses: parse() runs to completion synchronously, validateHeaders included.
  const infos = sc.strict ? INFOS : undefined;
  let infoCount = 0;
  while (sc.nl < len) {
    nextLine(sc);
    const pos = sc.pos;
    const lineEnd = sc.lineEnd;
    const line = sc.lineNo;
    sc.pos = sc.nl + 1;
    sc.lineNo++;
    if (lineEnd === pos && !lfChecked) return false;
    if (isSpTab(head.charCodeAt(pos))) {
      // A continuation line before any header (folding is handled below, with the header it continues).
      syntax(sc.errors, 'continuation line before any header', line);
      continue;
    }
    // header-name: token, then optional whitespace, then ":" (§7.3.1). The usual spellings of the usual headers,
    // right before their colon, come from a table (no scan of the name, no slice, no key lookup).
    let colon = head.indexOf(':', pos);
    let known =
      colon > pos && colon < lineEnd
        ? bytes !== undefined
          ? knownHeaderAt(bytes, start + pos, start + colon)
          : knownHeader(head, pos, colon)
        : undefined;
    let nameEnd = colon;
    if (known === undefined) {
      colon = headerColon(sc, pos, lineEnd, line);
      if (colon < 0) continue;
      nameEnd = colon;
      while (isSpTab(head.charCodeAt(nameEnd - 1))) nameEnd--;
      known = knownHeader(head, pos, nameEnd);
    }
    const name = known === undefined ? head.slice(pos, nameEnd) : known.name;
    const key = known === undefined ? headerKey(name) : known.key;
    // value: from after the colon, LWS trimmed (SP/HTAB only: U+FEFF and friends are value characters).
    let vs = colon + 1;
    while (vs < lineEnd && isSpTab(head.charCodeAt(vs))) vs++;
    let ve = lineEnd;
    while (ve > vs && isSpTab(head.charCodeAt(ve - 1))) ve--;
    const folded = sc.nl < len && isSpTab(head.charCodeAt(sc.pos));
    const value = folded ? unfold(sc, head.slice(vs, ve)) : head.slice(vs, ve);
    headers.push({ name, key, value, line });
    if (infos !== undefined) {
      // Where the value lies in the head (-1: folded, so only the value string has it), for checks that read in place.
      VALUE_FROM[infoCount] = folded ? -1 : vs;
      VALUE_TO[infoCount] = ve;
      infos[infoCount++] = known === undefined ? null : known.info;
    }
  }
  return true;
}

function isSpTab(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * The colon after a header name the table does not know, at head[pos, lineEnd): the name must be a token, then
 * optional whitespace, then ":" (§7.3.1). -1 after reporting a bad name or a line without a colon.
 */
function headerColon(sc: LineScan, pos: number, lineEnd: number, line: number): number {
  const head = sc.head;
  let i = pos;
  let tokenOk = true;
  for (; i < lineEnd; i++) {
    const c = head.charCodeAt(i);
    if (c === 58 || c === 32 || c === 9) break;
    if (tokenOk && (c >= 128 || TOKEN[c] !== 1)) tokenOk = false;
  }
  const nameEnd = i;
  while (i < lineEnd && isSpTab(head.charCodeAt(i))) i++;
  if (i >= lineEnd || head.charCodeAt(i) !== 58 || nameEnd === pos) {
    const colon = head.indexOf(':', pos);
    if (nameEnd > pos && colon >= 0 && colon < lineEnd)
      syntax(sc.errors, `bad header name "${clip(head.slice(pos, colon))}"`, line);
    else syntax(sc.errors, `header line without a colon: "${clip(head.slice(pos, lineEnd))}"`, line);
    return -1;
  }
  if (!tokenOk) {
    syntax(sc.errors, `bad header name "${clip(head.slice(pos, nameEnd))}"`, line);
    return -1;
  }
  return i;
}

/** The value with its continuation lines (§7.3.1: the lines that follow and start with SP or HTAB; a fold is one SP). */
function unfold(sc: LineScan, value: string): string {
  const head = sc.head;
  while (sc.nl < sc.len && isSpTab(head.charCodeAt(sc.pos))) {
    nextLine(sc);
    const part = trimWs(head.slice(sc.pos, sc.lineEnd));
    if (part !== '') value = value === '' ? part : value + ' ' + part;
    sc.pos = sc.nl + 1;
    sc.lineNo++;
  }
  return value;
}

/**
 * The body per Content-Length (§18.3, §20.14): bytes beyond it are discarded with a warning (a datagram's "additional
 * bytes in the transport packet beyond the end of the body MUST be discarded"); fewer bytes than it says is an error.
 */
function readBody(
  buf: Buffer,
  frame: HeadFrame,
  headers: Header[],
  stream: boolean,
  errors: Diagnostic[],
  warnings: Diagnostic[],
): Buffer {
  const available = buf.length - frame.bodyStart;
  let bodyLength = available;
  const h = headers.find((x) => x.key === 'content-length');
  if (h !== undefined) {
    const cl = parseDigits(h.value);
    if (cl < 0) {
      syntax(errors, `Content-Length "${clip(h.value)}" is not a non-negative integer`, h.line);
    } else if (cl > available && frame.complete) {
      syntax(errors, `Content-Length ${cl} is larger than the ${available} body bytes present`, h.line);
    } else if (cl < available) {
      bodyLength = cl;
      warnings.push({
        message: `${available - cl} bytes after the body (beyond Content-Length ${cl}) discarded`,
        line: h.line,
        kind: 'syntax',
      });
    } else bodyLength = cl;
  } else if (stream) {
    syntax(errors, 'Content-Length is required on stream transports (§18.3)');
  }
  const bodyBytes = Math.max(0, Math.min(bodyLength, available));
  return bodyBytes === 0 ? EMPTY_BODY : buf.subarray(frame.bodyStart, frame.bodyStart + bodyBytes);
}

/** Shared by every parsed message without a body (a zero-length Buffer has nothing to mutate). */
const EMPTY_BODY = Buffer.alloc(0);

/** parse()'s scratch list of each header's check, for validateHeaders (strict mode). */
const INFOS: Array<KeyInfo | undefined | null> = [];
const VALUE_FROM: number[] = [];
const VALUE_TO: number[] = [];

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

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (buf[i] === 10) n++;
  return n;
}
