/**
 * Parser for SIP messages on Buffers (RFC 3261 §7, ABNF §25). Two modes:
 * - strict: what a conformance verdict needs — exact start-line spacing, CRLF line ends, every known header
 *   checked against its grammar, Content-Length consistent with the bytes present;
 * - lenient: what a tolerant receiver accepts — bare LF, sloppy spacing, header values checked only when read.
 * The parser never throws for bad input: it returns a result with structured diagnostics.
 */
import { Diagnostic, SipSyntaxError } from './errors';
import { headerKey } from './headers';
import { isToken } from './lex';
import { Header, SipMessage, SipRequest, SipResponse } from './message';
import { validateHeaders } from './validate';

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
export function findHeaderEnd(buf: Buffer, start = 0, lenient = true): { headEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf(CRLFCRLF, start);
  if (!lenient) return crlf < 0 ? undefined : { headEnd: crlf, bodyStart: crlf + 4 };
  const lf = buf.indexOf(LFLF, start);
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
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const strict = (opts.mode ?? 'strict') === 'strict';
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const syntax = (message: string, line?: number) => errors.push({ message, line, kind: 'syntax' });

  // §7.5: implementations SHOULD ignore CRLFs before the start line.
  let start = 0;
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  const leadingLines = countNewlines(buf, 0, start);

  const end = findHeaderEnd(buf, start, true);
  let headText: string;
  let bodyStart: number;
  if (end) {
    headText = buf.toString('utf8', start, end.headEnd);
    bodyStart = end.bodyStart;
    if (strict && buf[end.headEnd] !== 13) syntax('header section ends with a bare LF blank line, not CRLF CRLF');
  } else {
    // No blank line: the message is truncated. Parse what there is so the error can say more.
    headText = buf.toString('utf8', start);
    bodyStart = buf.length;
    syntax('no empty line (CRLF CRLF) ends the header section: message truncated or not SIP');
  }

  const lines = splitLines(headText, strict, syntax, leadingLines);
  if (lines.length === 0 || lines[0]!.text === '') {
    syntax('empty message', 1);
    return { errors, warnings };
  }

  const first = lines[0]!;
  let message: SipMessage | undefined;
  try {
    message = parseStartLine(first.text, strict);
  } catch (e) {
    syntax((e as Error).message, first.line);
    return { errors, warnings };
  }

  // Headers, with folding (§7.3.1: a line starting with SP or HTAB continues the previous one).
  const headers: Header[] = [];
  for (let i = 1; i < lines.length; i++) {
    const { text, line } = lines[i]!;
    if (text.charCodeAt(0) === 32 || text.charCodeAt(0) === 9) {
      const prev = headers[headers.length - 1];
      if (!prev) {
        syntax('continuation line before any header', line);
        continue;
      }
      prev.value = (prev.value + ' ' + text.trim()).trim();
      continue;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) {
      syntax(`header line without a colon: "${clip(text)}"`, line);
      continue;
    }
    const rawName = text.slice(0, colon);
    const name = rawName.replace(/[ \t]+$/, '');
    if (!isToken(name)) {
      syntax(`bad header name "${clip(rawName)}"`, line);
      continue;
    }
    headers.push({ name, key: headerKey(name), value: text.slice(colon + 1).trim(), line });
  }
  message.headers = headers;

  // Body and Content-Length (§18.3, §20.14).
  const available = buf.length - bodyStart;
  const clHeaders = headers.filter((h) => h.key === 'content-length');
  let bodyLength = available;
  if (clHeaders.length > 0) {
    const h = clHeaders[0]!;
    const v = h.value.trim();
    if (!/^[0-9]+$/.test(v)) {
      syntax(`Content-Length "${clip(v)}" is not a non-negative integer`, h.line);
    } else {
      const cl = Number(v);
      if (cl > available && end) {
        syntax(`Content-Length ${cl} is larger than the ${available} body bytes present`, h.line);
      } else if (cl < available) {
        // Datagram: "additional bytes in the transport packet beyond the end of the body MUST be discarded".
        bodyLength = cl;
        warnings.push({ message: `${available - cl} bytes after the body (beyond Content-Length ${cl}) discarded`, line: h.line, kind: 'syntax' });
      } else bodyLength = cl;
    }
  } else if (opts.transport === 'stream') {
    syntax('Content-Length is required on stream transports (§18.3)');
  }
  message.body = buf.subarray(bodyStart, bodyStart + Math.max(0, Math.min(bodyLength, available)));

  if (strict) validateHeaders(message, errors, warnings);
  return { message: errors.length === 0 || message ? message : undefined, errors, warnings };
}

interface Line {
  text: string;
  line: number;
}

function splitLines(head: string, strict: boolean, syntax: (m: string, l?: number) => void, lineOffset: number): Line[] {
  const out: Line[] = [];
  let pos = 0;
  let lineNo = 1 + lineOffset;
  let bareLfReported = false;
  while (pos <= head.length) {
    let nl = head.indexOf('\n', pos);
    if (nl < 0) nl = head.length;
    let endOfText = nl;
    if (endOfText > pos && head.charCodeAt(endOfText - 1) === 13) endOfText--;
    else if (nl < head.length && strict && !bareLfReported) {
      syntax('line ends with a bare LF, not CRLF (§7)', lineNo);
      bareLfReported = true;
    }
    const text = head.slice(pos, endOfText);
    if (strict && text.includes('\r')) syntax('bare CR inside a header line', lineNo);
    out.push({ text, line: lineNo });
    lineNo++;
    pos = nl + 1;
    if (nl >= head.length) break;
  }
  return out;
}

function parseStartLine(text: string, strict: boolean): SipMessage {
  if (text.startsWith('SIP/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const m = strict ? /^(SIP\/[0-9]+\.[0-9]+) ([0-9]+) (.*)$/.exec(text) : /^(SIP\/[0-9]+\.[0-9]+)[ \t]+([0-9]+)(?:[ \t]+(.*))?$/.exec(text);
    if (!m) throw new SipSyntaxError(`bad status line "${clip(text)}"`);
    if (m[2]!.length !== 3) throw new SipSyntaxError(`status code "${clip(m[2]!)}" is not three digits`);
    const status = Number(m[2]);
    if (status < 100) throw new SipSyntaxError(`status code ${status} is below 100`);
    checkVersion(m[1]!);
    const r = new SipResponse(status, m[3] ?? '');
    r.version = m[1]!;
    return r;
  }
  // Request-Line = Method SP Request-URI SP SIP-Version, single spaces (§25.1).
  const parts = strict ? text.split(' ') : text.trim().split(/[ \t]+/);
  if (parts.length !== 3) {
    if (strict && /  |\t/.test(text)) throw new SipSyntaxError(`request line "${clip(text)}" must separate its three elements by single spaces`);
    if (strict && text.endsWith(' ')) throw new SipSyntaxError(`trailing whitespace on the request line "${clip(text)}"`);
    throw new SipSyntaxError(`bad request line "${clip(text)}": expected "METHOD Request-URI SIP/2.0"`);
  }
  const [method, uri, version] = parts as [string, string, string];
  if (!isToken(method)) throw new SipSyntaxError(`bad method "${clip(method)}"`);
  if (!/^SIP\/[0-9]+\.[0-9]+$/.test(version)) throw new SipSyntaxError(`bad SIP version "${clip(version)}" on the request line`);
  checkVersion(version);
  if (uri.startsWith('<')) throw new SipSyntaxError(`Request-URI "${clip(uri)}" must not be enclosed in <> (§25.1)`);
  const r = new SipRequest(method, uri);
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
