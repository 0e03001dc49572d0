/** Builders and serializer (RFC 3261 §8.1.1 requests, §8.2.6 responses, §20 header spelling, §7.3.3). */
import { createRequest, createResponse, newBranch, newCallId, newTag } from '../../src/sip/builders';
import { NameAddr, Via } from '../../src/sip/fields';
import { lint } from '../../src/sip/lint';
import { SipRequest, SipResponse } from '../../src/sip/message';
import { parse, parseMessage } from '../../src/sip/parser';
import { parseUri, SipUri } from '../../src/sip/uri';

const alice = new NameAddr(parseUri('sip:alice@atlanta.example.com'), 'Alice');
const bob = new NameAddr(parseUri('sip:bob@biloxi.example.com'), 'Bob');

function invite(): SipRequest {
  alice.params.set('tag', 'a-tag');
  const via = new Via('UDP', '198.51.100.7', 5062);
  via.params.set('branch', newBranch());
  via.params.set('rport', null);
  return createRequest({
    method: 'INVITE',
    uri: bob.uri,
    from: alice,
    to: bob,
    via,
    cseq: 101,
    contact: new NameAddr(parseUri('sip:alice@198.51.100.7:5062')),
    body: 'v=0\r\n',
    contentType: 'application/sdp',
    routes: [new NameAddr(parseUri('sip:proxy.example.com;lr'))],
  });
}

describe('createRequest (RFC 3261 §8.1.1)', () => {
  test('the INVITE carries To, From, CSeq, Call-ID, Max-Forwards 70, Via, Contact, Route, and lints clean', () => {
    const req = invite();
    const wire = req.toString();
    expect(wire.split('\r\n')[0]).toBe('INVITE sip:bob@biloxi.example.com SIP/2.0');
    const r = lint(req.toBuffer());
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const m = parseMessage(req.toBuffer()) as SipRequest;
    expect(m.maxForwards).toBe(70);
    expect(m.cseq).toEqual({ seq: 101, method: 'INVITE' });
    expect(m.from.tag).toBe('a-tag');
    expect(m.to.tag).toBeUndefined();
    expect(m.topVia.branch).toMatch(/^z9hG4bK/);
    expect(m.topVia.rport).toBeNull();
    expect(m.routes.map((x) => x.uri.toString())).toEqual(['sip:proxy.example.com;lr']);
    expect(m.callId).toMatch(/^[0-9a-f]{24}@sipconf$/);
    expect(m.get('content-type')).toBe('application/sdp');
    expect(m.get('content-length')).toBe('5');
    // Header order of §8.1.1 practice: Via first.
    expect(m.headers[0]!.key).toBe('via');
  });

  test('Content-Length is always written and always right, even when a stale one was set (§20.14)', () => {
    const req = invite();
    req.set('Content-Length', 999);
    req.setBody(Buffer.from([0, 1, 2, 13, 10]));
    const m = parseMessage(req.toBuffer());
    expect(m.get('content-length')).toBe('5');
    expect([...m.body]).toEqual([0, 1, 2, 13, 10]);
    expect(m.headerLines('content-length')).toHaveLength(1);
  });

  test('identifiers: branch has the magic cookie and ≥ 64 random bits, tags and Call-IDs are unique (§8.1.1.4, §8.1.1.7, §19.3)', () => {
    const branches = new Set(Array.from({ length: 1000 }, newBranch));
    expect(branches.size).toBe(1000);
    for (const b of branches) expect(b).toMatch(/^z9hG4bK[A-Za-z0-9_-]{12}$/);
    expect(new Set(Array.from({ length: 1000 }, newTag)).size).toBe(1000);
    expect(newCallId('h.example')).toMatch(/@h\.example$/);
  });
});

describe('createResponse (RFC 3261 §8.2.6)', () => {
  test('copies every Via in order, From, Call-ID, CSeq; adds a To tag; keeps an existing one', () => {
    const req = invite();
    req.append('Via', 'SIP/2.0/TCP proxy.example.com;branch=z9hG4bK-second');
    const res = createResponse(req, 180, { toTag: 'b-tag' });
    const m = parseMessage(res.toBuffer()) as SipResponse;
    expect(m.status).toBe(180);
    expect(m.reason).toBe('Ringing');
    expect(m.vias.map((v) => v.branch)).toEqual(req.vias.map((v) => v.branch));
    expect(m.get('from')).toBe(req.get('from'));
    expect(m.callId).toBe(req.callId);
    expect(m.cseq).toEqual(req.cseq);
    expect(m.to.tag).toBe('b-tag');
    expect(m.has('contact')).toBe(false);
    expect(lint(res.toBuffer()).errors).toEqual([]);
    // §12.1.1: a later response in the same dialog keeps the tag already present.
    const reqInDialog = parseMessage(
      res
        .toBuffer()
        .toString()
        .replace('SIP/2.0 180 Ringing', 'BYE sip:alice@198.51.100.7:5062 SIP/2.0')
        .replace('CSeq: 101 INVITE', 'CSeq: 102 BYE'),
    ) as SipRequest;
    expect(createResponse(reqInDialog, 200).to.tag).toBe('b-tag');
  });

  test('100 Trying gets no To tag (§8.2.6.1); unknown codes get a reason phrase', () => {
    const req = invite();
    expect(createResponse(req, 100).to.tag).toBeUndefined();
    expect(createResponse(req, 430).reason).toBe('Flow Failed');
    expect(createResponse(req, 499).reason).toBe('Unknown');
    expect(createResponse(req, 486, { reason: 'Busy' }).toString().split('\r\n')[0]).toBe('SIP/2.0 486 Busy');
  });
});

describe('message model', () => {
  test('compact and long names are one header; get/getAll/prepend/removeFirst keep list order (§7.3.1, §7.3.3)', () => {
    const m = parseMessage(
      'OPTIONS sip:a@b.example SIP/2.0\r\nv: SIP/2.0/UDP one.example;branch=z9hG4bK1, SIP/2.0/UDP two.example;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP three.example;branch=z9hG4bK3\r\nf: <sip:x@y.example>;tag=1\r\nt: <sip:a@b.example>\r\ni: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nl: 0\r\n\r\n',
    );
    expect(m.getAll('VIA')).toHaveLength(3);
    expect(m.get('From')).toBe('<sip:x@y.example>;tag=1');
    m.prepend('Via', 'SIP/2.0/UDP zero.example;branch=z9hG4bK0');
    expect(m.vias.map((v) => v.host)).toEqual(['zero.example', 'one.example', 'two.example', 'three.example']);
    expect(m.removeFirst('via')).toBe('SIP/2.0/UDP zero.example;branch=z9hG4bK0');
    expect(m.removeFirst('via')).toBe('SIP/2.0/UDP one.example;branch=z9hG4bK1');
    expect(m.vias.map((v) => v.host)).toEqual(['two.example', 'three.example']);
    // Serialized names use the canonical spelling of headers we add, the received spelling of the others.
    expect(m.toString()).toContain('\r\nv: SIP/2.0/UDP two.example;branch=z9hG4bK2\r\n');
  });

  test('views are re-read after a mutation (the strict parse seeds them, set() invalidates)', () => {
    const m = parseMessage(
      'OPTIONS sip:a@b.example SIP/2.0\r\nVia: SIP/2.0/UDP one.example;branch=z9hG4bK1\r\nFrom: <sip:x@y.example>;tag=1\r\nTo: <sip:a@b.example>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n',
    );
    expect(m.from.tag).toBe('1');
    m.set('From', '<sip:x@y.example>;tag=2');
    expect(m.from.tag).toBe('2');
    m.set('Max-Forwards', 3);
    expect(m.maxForwards).toBe(3);
    const u = (m as SipRequest).uri as SipUri;
    expect(u.host).toBe('b.example');
  });

  test('lenient parse defers header checks to the first read, which then throws SipSyntaxError', () => {
    const raw = 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:99999;branch=z9hG4bK1\r\nCSeq: x\r\n\r\n';
    expect(parse(raw, { mode: 'strict' }).errors.map((e) => e.line)).toEqual([2, 3]);
    const lenient = parse(raw, { mode: 'lenient' });
    expect(lenient.errors).toEqual([]);
    expect(() => lenient.message!.cseq).toThrow(/bad CSeq/);
    expect(() => lenient.message!.vias).toThrow(/bad port/);
  });
});
