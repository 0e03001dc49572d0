import { addrUri, headerParam, newScan, scanMessage } from '../../src/load/sip-scan';

const invite = [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1',
  'v: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK2;rport',
  'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
  'record-route: <sip:p3.example.com;lr>',
  'f: "Alice" <sip:alice@example.com>;tag=abc',
  'To: Bob',
  ' <sip:bob@example.com>',
  'i: 42@host',
  'CSeq:   7 INVITE',
  'm: <sip:alice@10.0.0.1:5062;transport=udp>;expires=60',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

describe('scanMessage: the load engine’s lean reader', () => {
  test('a request with compact forms, folded To, several Via and Record-Route (RFC 3261 §7.3.1, §7.3.3)', () => {
    const s = newScan();
    expect(scanMessage(invite, s)).toBe(true);
    expect(s.status).toBe(0);
    expect(s.method).toBe('INVITE');
    expect(s.requestUri).toBe('sip:bob@example.com');
    expect(s.callId).toBe('42@host');
    expect(s.cseq).toBe(7);
    expect(s.cseqMethod).toBe('INVITE');
    expect(s.vias).toBe(
      'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1\r\nv: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK2;rport\r\n',
    );
    expect(s.from).toBe('"Alice" <sip:alice@example.com>;tag=abc');
    expect(s.to).toBe('Bob\r\n <sip:bob@example.com>');
    expect(s.toTag).toBe('');
    expect(s.contact).toBe('sip:alice@10.0.0.1:5062;transport=udp');
    expect(s.recordRoute).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>', '<sip:p3.example.com;lr>']);
    expect(s.bodyStart).toBe(invite.length);
  });

  test('a response: status code, To tag, CSeq method', () => {
    const s = newScan();
    const r =
      'SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h> ; tag = 99\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n';
    expect(scanMessage(r, s)).toBe(true);
    expect(s.status).toBe(486);
    expect(s.toTag).toBe('99');
    expect(s.cseqMethod).toBe('INVITE');
  });

  test.each([
    ['no Call-ID', 'SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n'],
    ['no CSeq', 'SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n'],
    ['a bad status', 'SIP/2.0 2x0 OK\r\nCall-ID: x\r\nCSeq: 1 BYE\r\n\r\n'],
    ['a bad request line', 'INVITE sip:x HTTP/1.1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n'],
    ['no line end', 'garbage'],
  ])('%s is not ok (the engines count it as unparseable)', (_what, text) => {
    const s = newScan();
    expect(scanMessage(text, s)).toBe(false);
    expect(s.ok).toBe(false);
  });

  test('long header names in any letter case; look-alike names are not taken (RFC 3261 §7.3.1)', () => {
    const s = newScan();
    const r =
      'SIP/2.0 200 OK\r\nVIA: SIP/2.0/UDP h;branch=z9hG4bKx\r\nfrom: <sip:a@h>;tag=1\r\nTO: <sip:b@h>;tag=2\r\nCALL-ID: c9\r\ncseq: 3 BYE\r\n' +
      'cOnTaCt: <sip:b@10.0.0.2>\r\nContact-X: <sip:wrong@h>\r\nRECORD-ROUTE: <sip:p;lr>\r\nTom: x\r\nCall-IDs: no\r\n\r\n';
    expect(scanMessage(r, s)).toBe(true);
    expect([s.callId, s.cseq, s.cseqMethod, s.toTag, s.contact, s.from]).toEqual([
      'c9',
      3,
      'BYE',
      '2',
      'sip:b@10.0.0.2',
      '<sip:a@h>;tag=1',
    ]);
    expect(s.recordRoute).toEqual(['<sip:p;lr>']);
    expect(s.vias).toBe('VIA: SIP/2.0/UDP h;branch=z9hG4bKx\r\n');
  });

  test('addrUri and headerParam', () => {
    expect(addrUri('"B" <sip:b@h;lr>;x=1')).toBe('sip:b@h;lr');
    expect(addrUri('sip:b@h;x=1')).toBe('sip:b@h');
    expect(headerParam('<sip:b@h;tag=no>;tag=yes', 'tag')).toBe('yes');
    expect(headerParam('<sip:b@h>', 'tag')).toBe('');
  });
});
