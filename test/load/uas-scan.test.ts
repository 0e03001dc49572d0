import { newLineScan, ReqMethod, scanRequestLines, writeResponse } from '../../src/load/uas-scan';

const invite = [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1',
  'v: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK2;rport',
  'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
  'Max-Forwards: 70',
  'record-route: <sip:p3.example.com;lr>',
  'f: "Alice" <sip:alice@example.com>;tag=abc',
  'To: Bob',
  ' <sip:bob@example.com;tag=uri-param-not-a-tag>',
  'i:  42@host ',
  'CSeq:   7 INVITE',
  'm: <sip:alice@10.0.0.1:5062;transport=udp>;expires=60',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

const tail = Buffer.from('Content-Length: 0\r\n\r\n', 'latin1');

describe('the UAS fast reader and writer (RFC 3261 §8.2.6.2, §12.1.1)', () => {
  test('an INVITE with compact forms, folding, several Via and Record-Route lines: the response copies them in order and tags the To', () => {
    const r = newLineScan();
    expect(scanRequestLines(invite, r)).toBe(true);
    expect(r.method).toBe(ReqMethod.Invite);
    expect(r.toTagStart).toBe(-1); // the tag inside <...> is a URI parameter
    expect(invite.slice(r.callIdValueStart, r.callIdValueEnd)).toBe('42@host');
    const out = writeResponse(
      Buffer.from('SIP/2.0 180 Ringing\r\n'),
      Buffer.from(invite, 'latin1'),
      r,
      'T1',
      true,
      tail,
    ).toString('latin1');
    expect(out).toBe(
      [
        'SIP/2.0 180 Ringing',
        'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1',
        'v: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK2;rport',
        'f: "Alice" <sip:alice@example.com>;tag=abc',
        'To: Bob',
        ' <sip:bob@example.com;tag=uri-param-not-a-tag>;tag=T1',
        'i:  42@host ',
        'CSeq:   7 INVITE',
        'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
        'record-route: <sip:p3.example.com;lr>',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  });

  test('a BYE whose To has a tag (any case, with SWS around "=", §25.1) keeps it and gets no Record-Route', () => {
    const bye =
      'BYE sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKb\r\nRecord-Route: <sip:p;lr>\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h> ; TAG = xyz ;x=1\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\n\r\n';
    const r = newLineScan();
    expect(scanRequestLines(bye, r)).toBe(true);
    expect(r.method).toBe(ReqMethod.Bye);
    expect(bye.slice(r.toTagStart, r.toTagEnd)).toBe('xyz');
    const out = writeResponse(
      Buffer.from('SIP/2.0 200 OK\r\n'),
      Buffer.from(bye, 'latin1'),
      r,
      'ignored',
      false,
      tail,
    ).toString('latin1');
    expect(out).toBe(
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKb\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h> ; TAG = xyz ;x=1\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n',
    );
  });

  test('methods and responses: ACK, other methods, a response', () => {
    const r = newLineScan();
    const base =
      'Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 X\r\n\r\n';
    expect(scanRequestLines(`ACK sip:b@h SIP/2.0\r\n${base}`, r) && r.method).toBe(ReqMethod.Ack);
    expect(scanRequestLines(`OPTIONS sip:b@h SIP/2.0\r\n${base}`, r) && r.method).toBe(ReqMethod.Other);
    expect(scanRequestLines(`INVITEX sip:b@h SIP/2.0\r\n${base}`, r) && r.method).toBe(ReqMethod.Other);
    expect(scanRequestLines(`SIP/2.0 200 OK\r\n${base}`, r) && r.method).toBe(ReqMethod.Response);
  });

  test.each([
    [
      'no Call-ID',
      'INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCSeq: 1 INVITE\r\n\r\n',
    ],
    [
      'no CSeq number',
      'INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: INVITE\r\n\r\n',
    ],
    [
      'no Via',
      'INVITE sip:b@h SIP/2.0\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n',
    ],
    [
      'no To',
      'INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n',
    ],
    [
      'a bad request line',
      'INVITE sip:b@h HTTP/1.1\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n',
    ],
    ['no line end', 'INVITE'],
  ])('%s is refused (the general reader then decides)', (_what, text) => {
    expect(scanRequestLines(text, newLineScan())).toBe(false);
  });
});
