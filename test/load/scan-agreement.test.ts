/**
 * The load engine reads SIP with its own lean scanners (src/load/sip-scan.ts for the UAC, src/load/uas-scan.ts for
 * the UAS hot path) instead of the parser. fast-check generates well-formed messages — long and compact header
 * names (RFC 3261 §7.3.3) in any letter case, whitespace around the colon (§7.3.1), several Via lines, To with and
 * without a tag (and a `tag` URI parameter inside <...> that is not the header's tag, §19.1.1), headers in any
 * order — and both scanners must read the same start line, top Via branch, From and To tags, Call-ID and CSeq as
 * src/sip/parser.ts does.
 */
import fc from 'fast-check';
import { headerParam, newScan, scanMessage } from '../../src/load/sip-scan';
import { newLineScan, ReqMethod, scanRequestLines } from '../../src/load/uas-scan';
import type { SipRequest, SipResponse } from '../../src/sip/message';
import { parse } from '../../src/sip/parser';

const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,11}$/);
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const host = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
  fc.tuple(word, word).map(([a, b]) => `${a}.${b}.example`),
);
const hostport = fc
  .tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([h, p]) => (p === undefined ? h : `${h}:${p}`));
const uri = fc.tuple(word, hostport).map(([u, hp]) => `sip:${u}@${hp}`);
const method = fc.constantFrom('INVITE', 'ACK', 'BYE', 'REGISTER', 'OPTIONS', 'CANCEL', 'MESSAGE');
/** Header name spelling: long or compact form, in any letter case. */
const spelled = (long: string, compact?: string) =>
  fc
    .tuple(compact ? fc.constantFrom(long, compact) : fc.constant(long), fc.constantFrom('as-is', 'lower', 'upper'))
    .map(([n, c]) => (c === 'lower' ? n.toLowerCase() : c === 'upper' ? n.toUpperCase() : n));
/** `Name: value` with SP/HTAB around the colon as §7.3.1 allows (HCOLON = *( SP / HTAB ) ":" SWS). */
const line = (name: fc.Arbitrary<string>, value: string) =>
  fc
    .tuple(name, fc.constantFrom('', ' ', '\t'), fc.constantFrom('', ' ', '  ', '\t'))
    .map(([n, before, after]) => `${n}${before}:${after}${value}`);

interface Generated {
  text: string;
  request: boolean;
  method: string;
  status: number;
  requestUri: string;
  branch: string;
  fromTag: string;
  toTag?: string;
  callId: string;
  cseq: number;
  cseqMethod: string;
}

const message: fc.Arbitrary<Generated> = fc
  .record({
    request: fc.boolean(),
    method,
    status: fc.integer({ min: 100, max: 699 }),
    requestUri: uri,
    branches: fc.array(token, { minLength: 1, maxLength: 3 }),
    viaHost: hostport,
    from: uri,
    fromTag: token,
    to: uri,
    toTag: fc.option(token, { nil: undefined }),
    toUriTag: fc.boolean(),
    display: fc.option(word, { nil: undefined }),
    callId: fc.tuple(token, fc.option(host, { nil: undefined })).map(([a, h]) => (h ? `${a}@${h}` : a)),
    cseq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  })
  .chain((m) => {
    const toUri = m.toUriTag ? `${m.to};tag=not-the-header-tag` : m.to;
    const to = `${m.display ? `"${m.display}" ` : ''}<${toUri}>${m.toTag ? `;tag=${m.toTag}` : ''}`;
    const via = (b: string) => `SIP/2.0/UDP ${m.viaHost};branch=z9hG4bK${b};rport`;
    const lines = [
      ...m.branches.map((b) => line(spelled('Via', 'v'), via(b))),
      line(spelled('From', 'f'), `<${m.from}>;tag=${m.fromTag}`),
      line(spelled('To', 't'), to),
      line(spelled('Call-ID', 'i'), m.callId),
      line(spelled('CSeq'), `${m.cseq} ${m.method}`),
      line(spelled('Max-Forwards'), '70'),
      line(spelled('Content-Length', 'l'), '0'),
    ];
    return fc.tuple(fc.constant(m), fc.tuple(...lines));
  })
  .map(([m, lines]) => {
    // Any order, but the Via lines keep theirs (the top Via is the first one, §8.2.6.2).
    const vias = lines.slice(0, m.branches.length);
    const rest = lines.slice(m.branches.length).map((l, i) => ({ l, k: m.order[i]! }));
    rest.sort((a, b) => a.k - b.k);
    const startLine = m.request ? `${m.method} ${m.requestUri} SIP/2.0` : `SIP/2.0 ${m.status} Whatever Reason`;
    const head = [startLine, ...vias, ...rest.map((r) => r.l)];
    return {
      text: `${head.join('\r\n')}\r\n\r\n`,
      request: m.request,
      method: m.method,
      status: m.status,
      requestUri: m.requestUri,
      branch: `z9hG4bK${m.branches[0]}`,
      fromTag: m.fromTag,
      toTag: m.toTag,
      callId: m.callId,
      cseq: m.cseq,
      cseqMethod: m.method,
    };
  });

/** What the parser reads: the reference both scanners must agree with. */
function parserView(text: string) {
  const r = parse(Buffer.from(text, 'latin1'), { mode: 'strict' });
  if (!r.message) throw new Error(`the parser rejected a generated message: ${JSON.stringify(r.errors)}\n${text}`);
  const m = r.message;
  return {
    request: m.isRequest,
    method: m.isRequest ? (m as SipRequest).method : '',
    requestUri: m.isRequest ? (m as SipRequest).uriText : '',
    status: m.isRequest ? 0 : (m as SipResponse).status,
    branch: m.topVia.branch ?? '',
    fromTag: m.from.tag ?? '',
    toTag: m.to.tag ?? '',
    callId: m.callId,
    cseq: m.cseq.seq,
    cseqMethod: m.cseq.method,
  };
}

const RUNS = { numRuns: 400 };

test('the generator makes what it means to: the parser reads back the generated values', () => {
  fc.assert(
    fc.property(message, (g) => {
      expect(parserView(g.text)).toEqual({
        request: g.request,
        method: g.request ? g.method : '',
        requestUri: g.request ? g.requestUri : '',
        status: g.request ? 0 : g.status,
        branch: g.branch,
        fromTag: g.fromTag,
        toTag: g.toTag ?? '',
        callId: g.callId,
        cseq: g.cseq,
        cseqMethod: g.cseqMethod,
      });
    }),
    RUNS,
  );
});

test('sip-scan (the UAC reader) reads the start line, top Via branch, tags, Call-ID and CSeq as the parser does', () => {
  const scan = newScan();
  fc.assert(
    fc.property(message, (g) => {
      const p = parserView(g.text);
      expect(scanMessage(g.text, scan)).toBe(true);
      const topVia = scan.vias.slice(scan.vias.indexOf(':') + 1, scan.vias.indexOf('\r\n'));
      expect({
        request: scan.status === 0,
        method: scan.method,
        requestUri: scan.requestUri,
        status: scan.status,
        branch: headerParam(topVia, 'branch'),
        fromTag: headerParam(scan.from, 'tag'),
        toTag: scan.toTag,
        callId: scan.callId,
        cseq: scan.cseq,
        cseqMethod: scan.cseqMethod,
      }).toEqual(p);
    }),
    RUNS,
  );
});

test('uas-scan (the UAS hot path) finds the same method, Via lines, To tag, Call-ID and CSeq as the parser', () => {
  const scan = newLineScan();
  const methods: Record<string, ReqMethod> = { INVITE: ReqMethod.Invite, ACK: ReqMethod.Ack, BYE: ReqMethod.Bye };
  fc.assert(
    fc.property(message, (g) => {
      const p = parserView(g.text);
      expect(scanRequestLines(g.text, scan)).toBe(true);
      if (!p.request) {
        expect(scan.method).toBe(ReqMethod.Response);
        return;
      }
      expect(scan.method).toBe(methods[p.method] ?? ReqMethod.Other);
      if (scan.method === ReqMethod.Other) return; // left to scanMessage, as the UAS does
      const lineAt = (start: number, end: number) => g.text.slice(start, end);
      const value = (l: string) => l.slice(l.indexOf(':') + 1).trim();
      const topVia = value(lineAt(scan.via[0]!, scan.via[1]!));
      const cseq = value(lineAt(scan.cseqStart, scan.cseqEnd)).split(/\s+/);
      expect({
        branch: headerParam(topVia, 'branch'),
        vias: scan.via.length / 2,
        fromTag: headerParam(value(lineAt(scan.fromStart, scan.fromEnd)), 'tag'),
        toTag: scan.toTagStart < 0 ? '' : g.text.slice(scan.toTagStart, scan.toTagEnd),
        callId: g.text.slice(scan.callIdValueStart, scan.callIdValueEnd),
        cseq: Number(cseq[0]),
        cseqMethod: cseq[1],
      }).toEqual({
        branch: p.branch,
        vias: g.text.split('\r\n').filter((l) => /^(via|v)[ \t]*:/i.test(l)).length,
        fromTag: p.fromTag,
        toTag: p.toTag,
        callId: p.callId,
        cseq: p.cseq,
        cseqMethod: p.cseqMethod,
      });
    }),
    RUNS,
  );
});
