/**
 * The load UAS's reader and writer for its hot path (INVITE, ACK, BYE): one pass over the request's head that
 * records only *where* the header lines a response copies are (RFC 3261 §8.2.6.2: every Via, From, To, Call-ID,
 * CSeq; §12.1.1: Record-Route on 18x/2xx), and a writer that builds the response as one Buffer by copying those
 * byte ranges of the received datagram — no header strings, no string concatenation, no UTF-8 encoding on send.
 * Lines are copied as received (compact forms and folding included, RFC 3261 §7.3.1/§7.3.3); the To line gets our
 * tag appended when it had none. Anything else (responses, other methods) is left to the general `scanMessage`.
 */
import { headerLineEnd } from './sip-scan';

export const enum ReqMethod {
  Other = 0,
  Invite = 1,
  Ack = 2,
  Bye = 3,
  Response = 4,
}

export interface LineScan {
  method: ReqMethod;
  /** [start, end) pairs of every Via line (CRLF included), in order. */
  via: number[];
  /** [start, end) pairs of every Record-Route line (CRLF included), in order. */
  rr: number[];
  /** The From, Call-ID and CSeq lines, CRLF included. */
  fromStart: number;
  fromEnd: number;
  callIdStart: number;
  callIdEnd: number;
  cseqStart: number;
  cseqEnd: number;
  /** The To line without its CRLF (so a tag can be appended). */
  toStart: number;
  toEnd: number;
  /** The To tag's value, [start, end); -1 when the To has no tag. */
  toTagStart: number;
  toTagEnd: number;
  /** The Call-ID value (trimmed), [start, end). */
  callIdValueStart: number;
  callIdValueEnd: number;
}

export function newLineScan(): LineScan {
  return {
    method: ReqMethod.Other,
    via: [],
    rr: [],
    fromStart: -1,
    fromEnd: -1,
    callIdStart: -1,
    callIdEnd: -1,
    cseqStart: -1,
    cseqEnd: -1,
    toStart: -1,
    toEnd: -1,
    toTagStart: -1,
    toTagEnd: -1,
    callIdValueStart: -1,
    callIdValueEnd: -1,
  };
}

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;

/** Whether s[start, start+name.length) is `name` (lower case letters and '-') in any letter case. */
function nameIs(s: string, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if ((s.charCodeAt(start + i) | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

const enum Key {
  None = 0,
  Via,
  From,
  To,
  CallId,
  CSeq,
  RecordRoute,
}

/** Header name [start, end) → the few keys the UAS copies, by length and letters: no substring. */
function keyOf(s: string, start: number, end: number): Key {
  const c0 = s.charCodeAt(start) | 0x20;
  switch (end - start) {
    case 1: // compact forms, RFC 3261 §7.3.3
      return c0 === 0x76
        ? Key.Via
        : c0 === 0x66
          ? Key.From
          : c0 === 0x74
            ? Key.To
            : c0 === 0x69
              ? Key.CallId
              : Key.None;
    case 2:
      return c0 === 0x74 && nameIs(s, start, 'to') ? Key.To : Key.None;
    case 3:
      return c0 === 0x76 && nameIs(s, start, 'via') ? Key.Via : Key.None;
    case 4:
      if (c0 === 0x66) return nameIs(s, start, 'from') ? Key.From : Key.None;
      return c0 === 0x63 && nameIs(s, start, 'cseq') ? Key.CSeq : Key.None;
    case 7:
      return c0 === 0x63 && nameIs(s, start, 'call-id') ? Key.CallId : Key.None;
    case 12:
      return c0 === 0x72 && nameIs(s, start, 'record-route') ? Key.RecordRoute : Key.None;
    default:
      return Key.None;
  }
}

function methodOf(s: string, sp: number): ReqMethod {
  switch (sp) {
    case 3:
      return s.startsWith('ACK') ? ReqMethod.Ack : s.startsWith('BYE') ? ReqMethod.Bye : ReqMethod.Other;
    case 6:
      return s.startsWith('INVITE') ? ReqMethod.Invite : ReqMethod.Other;
    default:
      return ReqMethod.Other;
  }
}

/** The tag parameter of a To/From value in s[start, end) (after the last '>', SWS allowed, §25.1), into out. */
function findTag(s: string, start: number, end: number, out: LineScan): void {
  out.toTagStart = out.toTagEnd = -1;
  let i = s.lastIndexOf('>', end - 1);
  if (i < start) i = start;
  for (;;) {
    i = s.indexOf(';', i);
    if (i < 0 || i >= end) return;
    let j = i + 1;
    while (j < end && (s.charCodeAt(j) === SP || s.charCodeAt(j) === HTAB)) j++;
    if (j + 3 <= end && nameIs(s, j, 'tag')) {
      j += 3;
      while (j < end && (s.charCodeAt(j) === SP || s.charCodeAt(j) === HTAB)) j++;
      if (s.charCodeAt(j) === 0x3d) {
        j++;
        while (j < end && (s.charCodeAt(j) === SP || s.charCodeAt(j) === HTAB)) j++;
        let k = j;
        while (k < end) {
          const c = s.charCodeAt(k);
          if (c === 0x3b || c === SP || c === HTAB || c === 0x2c || c === CR) break;
          k++;
        }
        if (k > j) {
          out.toTagStart = j;
          out.toTagEnd = k;
        }
        return;
      }
    }
    i++;
  }
}

/**
 * Reads a datagram (as a latin1 string, so string indexes are byte offsets) into `out`. Returns false for what
 * the UAS cannot read (bad start line, no Call-ID, no CSeq); a response only gets method = Response.
 */
export function scanRequestLines(s: string, out: LineScan): boolean {
  out.via.length = 0;
  out.rr.length = 0;
  out.fromStart = out.toStart = out.callIdStart = out.cseqStart = out.toTagStart = -1;
  const eol = s.indexOf('\r\n');
  if (eol < 0) return false;
  if (s.startsWith('SIP/2.0 ')) {
    out.method = ReqMethod.Response;
    return true;
  }
  const sp1 = s.indexOf(' ');
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || eol !== sp2 + 8 || !s.startsWith('SIP/2.0', sp2 + 1)) return false;
  out.method = methodOf(s, sp1);
  let pos = eol + 2;
  const n = s.length;
  while (pos < n) {
    if (s.charCodeAt(pos) === CR && s.charCodeAt(pos + 1) === LF) break;
    const end = headerLineEnd(s, pos);
    if (end < 0) return false;
    const colon = s.indexOf(':', pos);
    if (colon > 0 && colon < end) {
      let nameEnd = colon;
      while (nameEnd > pos && (s.charCodeAt(nameEnd - 1) === SP || s.charCodeAt(nameEnd - 1) === HTAB)) nameEnd--;
      switch (keyOf(s, pos, nameEnd)) {
        case Key.Via:
          out.via.push(pos, end + 2);
          break;
        case Key.RecordRoute:
          out.rr.push(pos, end + 2);
          break;
        case Key.From:
          out.fromStart = pos;
          out.fromEnd = end + 2;
          break;
        case Key.To:
          out.toStart = pos;
          out.toEnd = end;
          findTag(s, colon + 1, end, out);
          break;
        case Key.CallId: {
          let a = colon + 1;
          let b = end;
          while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HTAB)) a++;
          while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HTAB)) b--;
          if (b > a) {
            out.callIdStart = pos;
            out.callIdEnd = end + 2;
            out.callIdValueStart = a;
            out.callIdValueEnd = b;
          }
          break;
        }
        case Key.CSeq: {
          // "CSeq: 1*DIGIT LWS Method" (§20.16): a number is enough here, the line is copied as it is.
          let a = colon + 1;
          while (a < end && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HTAB)) a++;
          const d0 = a;
          while (a < end && s.charCodeAt(a) >= 48 && s.charCodeAt(a) <= 57) a++;
          if (a > d0 && a < end && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HTAB)) {
            out.cseqStart = pos;
            out.cseqEnd = end + 2;
          }
          break;
        }
      }
    }
    pos = end + 2;
  }
  return out.callIdStart >= 0 && out.cseqStart >= 0 && out.fromStart >= 0 && out.toStart >= 0 && out.via.length > 0;
}

/** Short ranges by a JIT loop, long ones by Buffer#copy (memcpy): a native call costs about as much as ~60 bytes. */
function copy(src: Buffer, a: number, b: number, out: Buffer, p: number): number {
  if (b - a > 64) return p + src.copy(out, p, a, b);
  while (a < b) out[p++] = src[a++]!;
  return p;
}

function writeLatin1(s: string, out: Buffer, p: number): number {
  for (let i = 0; i < s.length; i++) out[p++] = s.charCodeAt(i);
  return p;
}

const TAG = Buffer.from(';tag=', 'latin1');

/** Ranges of `data` to copy, in order, adjacent ones merged (the usual Via…CSeq block is one or two ranges). */
const segs: number[] = [];
function addSeg(a: number, b: number, merge: boolean): void {
  const n = segs.length;
  if (merge && n > 0 && segs[n - 1] === a) segs[n - 1] = b;
  else segs.push(a, b);
}

/**
 * A response to the request in `data` (scanned into `r`): `statusLine` ("SIP/2.0 200 OK\r\n"), the Via lines,
 * From, To (+ ";tag=" + `toTag` when the To had no tag and `toTag` is not empty), Call-ID, CSeq, the Record-Route
 * lines when `withRecordRoute`, then `tail` (the remaining headers, the blank line and the body).
 */
export function writeResponse(
  statusLine: Buffer,
  data: Buffer,
  r: LineScan,
  toTag: string,
  withRecordRoute: boolean,
  tail: Buffer,
): Buffer {
  const addTag = toTag !== '' && r.toTagStart < 0;
  segs.length = 0;
  const via = r.via;
  for (let i = 0; i < via.length; i += 2) addSeg(via[i]!, via[i + 1]!, true);
  addSeg(r.fromStart, r.fromEnd, true);
  addSeg(r.toStart, r.toEnd, true);
  // The tag goes between the To value and its CRLF: no merge across that point when there is one.
  const cut = segs.length;
  addSeg(r.toEnd, r.toEnd + 2, !addTag);
  addSeg(r.callIdStart, r.callIdEnd, true);
  addSeg(r.cseqStart, r.cseqEnd, true);
  const rr = r.rr;
  if (withRecordRoute) for (let i = 0; i < rr.length; i += 2) addSeg(rr[i]!, rr[i + 1]!, true);
  let len = statusLine.length + tail.length + (addTag ? TAG.length + toTag.length : 0);
  for (let i = 0; i < segs.length; i += 2) len += segs[i + 1]! - segs[i]!;
  const out = Buffer.allocUnsafe(len);
  let p = statusLine.copy(out, 0);
  for (let i = 0; i < segs.length; i += 2) {
    if (addTag && i === cut) p = writeLatin1(toTag, out, p + TAG.copy(out, p));
    p = copy(data, segs[i]!, segs[i + 1]!, out, p);
  }
  tail.copy(out, p);
  return out;
}
