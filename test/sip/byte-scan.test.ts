/**
 * The strict parser's fast paths scan the received bytes (src/sip/ascii.ts) and take strings from the decoded head
 * at the same offsets. That is only right while every byte decoded to one character; a UTF-8 display name
 * (RFC 3261 §25.1 UTF8-NONASCII in quoted-string) breaks it, and the checks must then read each value's own text.
 * These tests pin both cases, and the scratch bytes the string entry points use.
 */
import { asciiBytes } from '../../src/sip/ascii';
import { parse } from '../../src/sip/parser';
import { parseUri } from '../../src/sip/uri';

function request(from: string, extra: string[] = []): Buffer {
  const head = [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    `From: ${from}`,
    'Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK74bf9;rport',
    'To: Bob <sip:bob@biloxi.example.com>',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
    'Contact: <sip:alice@198.51.100.7:5062;transport=udp>',
    ...extra,
    'Content-Length: 0',
  ];
  return Buffer.from(head.join('\r\n') + '\r\n\r\n', 'utf8');
}

describe('strict parse when the head is not one byte per character', () => {
  test('a UTF-8 display name (RFC 3261 §25.1 quoted-string) before the other headers: values read right', () => {
    const r = parse(request('"José Ñandú" <sip:jose@atlanta.example.com>;tag=9fx'), { mode: 'strict' });
    expect(r.errors).toEqual([]);
    const m = r.message!;
    expect(m.from.displayName).toBe('José Ñandú');
    expect(m.from.tag).toBe('9fx');
    expect(m.topVia.host).toBe('198.51.100.7');
    expect(m.topVia.branch).toBe('z9hG4bK74bf9');
    expect(m.callId).toBe('3848276298220188511@atlanta.example.com');
    expect(m.routes.map((x) => x.uri.toString())).toEqual(['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
    expect(m.contacts[0]!.uri.toString()).toBe('sip:alice@198.51.100.7:5062;transport=udp');
  });

  test('a fault after the UTF-8 header is still found and named by its line (§25.1 Via, via-ttl ≤ 255)', () => {
    const r = parse(
      request('"José" <sip:jose@atlanta.example.com>;tag=9fx', ['Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2;ttl=300']),
      { mode: 'strict' },
    );
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/^Via: .*ttl/);
    expect(r.errors[0]!.line).toBe(10);
  });

  test('a non-ASCII Call-ID is rejected (§25.1 callid = word ["@" word], word characters are ASCII)', () => {
    const buf = Buffer.from(
      request('<sip:a@example.com>;tag=1').toString('utf8').replace('Call-ID: 3848', 'Call-ID: é3848'),
      'utf8',
    );
    const r = parse(buf, { mode: 'strict' });
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^Call-ID: bad Call-ID "é3848/)]);
  });

  test('a lone invalid byte decodes to one U+FFFD: offsets still agree and the values read right', () => {
    const buf = request('"Jo\u0001" <sip:jo@atlanta.example.com>;tag=1');
    const at = buf.indexOf('\u0001');
    buf[at] = 0x80; // not UTF-8: decoded as U+FFFD, one character for one byte
    const r = parse(buf, { mode: 'strict' });
    const m = r.message!;
    expect(m.from.displayName).toBe('Jo\uFFFD');
    expect(m.topVia.branch).toBe('z9hG4bK74bf9');
    expect(m.routes).toHaveLength(2);
    expect(m.contacts[0]!.uri.toString()).toBe('sip:alice@198.51.100.7:5062;transport=udp');
  });
});

describe('asciiBytes', () => {
  test('gives the bytes of an ASCII string, and nothing for any other', () => {
    const b = asciiBytes('sip:bob@example.com')!;
    expect(Buffer.from(b.subarray(0, 19)).toString('latin1')).toBe('sip:bob@example.com');
    expect(asciiBytes('sip:b\u00f6b@example.com')).toBeUndefined();
    expect(asciiBytes('\u00e9')).toBeUndefined();
    expect(asciiBytes('\ud83d\ude00')).toBeUndefined();
  });

  test('a string longer than its scratch gets bytes of its own', () => {
    const long = 'sip:' + 'a'.repeat(5000) + '@example.com';
    expect(asciiBytes(long)!.length).toBe(long.length);
    expect(asciiBytes(long + '\u00e9')).toBeUndefined();
    expect(parseUri(long).toString()).toBe(long);
  });
});
