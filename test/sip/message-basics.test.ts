import { createRequest, createResponse, newBranch, MAGIC_COOKIE } from '../../src/sip/builders';
import { NameAddr, Via } from '../../src/sip/fields';
import { parse, parseMessage } from '../../src/sip/parser';
import { SipRequest, SipResponse } from '../../src/sip/message';
import { parseUri, SipUri } from '../../src/sip/uri';

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice A." <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\r\n');

describe('message layer basics (RFC 3261 §7, §8.1.1, §8.2.6)', () => {
  test('parses the RFC 3261 §24.2 INVITE and reads its fields', () => {
    const m = parseMessage(Buffer.from(INVITE));
    expect(m.isRequest).toBe(true);
    const req = m as SipRequest;
    expect(req.method).toBe('INVITE');
    expect(req.topVia.branch).toBe('z9hG4bK776asdhds');
    expect(req.from.tag).toBe('1928301774');
    expect(req.from.displayName).toBe('Alice A.');
    expect(req.to.tag).toBeUndefined();
    expect(req.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(req.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(req.body.toString()).toBe('v=0\n');
  });

  test('compact forms and folding (§7.3.1, §7.3.3)', () => {
    const raw =
      'OPTIONS sip:a@b.example SIP/2.0\r\nv: SIP/2.0/TCP h.example;branch=z9hG4bKx\r\ni: abc\r\nf: <sip:x@y.example>;tag=1\r\nt: <sip:a@b.example>\r\nCSeq: 1\r\n  OPTIONS\r\nMax-Forwards: 70\r\nl: 0\r\n\r\n';
    const m = parseMessage(raw);
    expect(m.callId).toBe('abc');
    expect(m.cseq.method).toBe('OPTIONS');
    expect(m.topVia.transport).toBe('TCP');
  });

  test('strict mode rejects bare LF; lenient accepts it', () => {
    const raw = INVITE.replace(/\r\n/g, '\n');
    expect(parse(raw, { mode: 'strict' }).errors.length).toBeGreaterThan(0);
    const lenient = parse(raw, { mode: 'lenient' });
    expect(lenient.errors).toEqual([]);
    expect((lenient.message as SipRequest).method).toBe('INVITE');
  });

  test('createRequest carries every §8.1.1 header and round-trips', () => {
    const req = createRequest({
      method: 'REGISTER',
      uri: parseUri('sip:registrar.example'),
      from: new NameAddr(parseUri('sip:alice@example')),
      to: new NameAddr(parseUri('sip:alice@example')),
      via: new Via('UDP', '127.0.0.1', 5060, undefined),
    });
    req.topVia.params.set('branch', newBranch());
    const back = parseMessage(req.toBuffer());
    for (const h of ['to', 'from', 'cseq', 'call-id', 'max-forwards', 'via']) expect(back.has(h)).toBe(true);
    expect(back.get('content-length')).toBe('0');
  });

  test('createResponse copies Via/From/Call-ID/CSeq and adds a To tag (§8.2.6.2)', () => {
    const req = parseMessage(INVITE) as SipRequest;
    const res: SipResponse = createResponse(req, 200, { toTag: 'abc' });
    expect(res.getAll('via')).toEqual(req.getAll('via'));
    expect(res.to.tag).toBe('abc');
    expect(res.cseq).toEqual(req.cseq);
    const trying = createResponse(req, 100);
    expect(trying.to.tag).toBeUndefined();
  });

  test('branches carry the magic cookie (§8.1.1.7)', () => {
    expect(newBranch().startsWith(MAGIC_COOKIE)).toBe(true);
    expect(newBranch()).not.toBe(newBranch());
  });

  test('SIP URIs: user with escapes, IPv6 reference, params', () => {
    const u = parseUri('sip:al%69ce@[2001:db8::10]:5070;transport=tcp;lr') as SipUri;
    expect(u.hostname).toBe('2001:db8::10');
    expect(u.port).toBe(5070);
    expect(u.transport).toBe('tcp');
    expect(u.params.has('lr')).toBe(true);
    expect(u.aor()).toBe('sip:alice@[2001:db8::10]');
  });
});
