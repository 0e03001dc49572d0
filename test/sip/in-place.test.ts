/**
 * The strict parser reads the usual Via and name-addr values in place, on the received bytes of the header section
 * (parsePlainViaAt, parsePlainNameAddrAt, parsePlainNameAddrListAt). They must give exactly what the general parsers
 * give for the same text (RFC 3261 §20.10 name-addr, §20.42 Via, §20.30/§20.34 Route lists), and decline
 * (undefined) whatever they do not handle.
 */
import {
  parseNameAddr,
  parsePlainNameAddrAt,
  parsePlainNameAddrListAt,
  parsePlainViaAt,
  parseVia,
} from '../../src/sip/fields';
import { splitTopLevel } from '../../src/sip/lex';

/**
 * The bytes of `text` with `pad` bytes before it, as when the header section starts after other bytes of the
 * datagram: byte k is text.charCodeAt(k - pad), so the scanners must keep the two offsets apart.
 */
const PAD = 7;
const bytesOf = (text: string) => Buffer.concat([Buffer.alloc(PAD, 0x21), Buffer.from(text, 'latin1')]);

const plain = (n: { displayName?: string; uri: { toString(): string }; params: { toString(): string } }) => ({
  dn: n.displayName,
  uri: n.uri.toString(),
  params: n.params.toString(),
});

describe('name-addr read in place agrees with parseNameAddr', () => {
  const handled = [
    '<sip:bob@biloxi.example.com>',
    '"Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    '"" <sip:a@b.example>',
    '"Doe, John"<sip:j@example.com:5070;transport=tcp;lr>;tag=1;x',
    'Bob <sip:bob@192.0.2.4>;tag=a6c85cf',
    'Alice Liddell <sip:alice@example.com>',
    'Bob<sip:bob@example.com>',
    '<sip:bob@192.0.2.40:49152;transport=tcp;ob>;reg-id=1;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";expires=3600',
    '<sips:proxy.example.com;lr>',
  ];
  test.each(handled)('%s', (text) => {
    // Embedded in a larger string, as the header section is, with text on both sides.
    const src = `X: ${text}\r\nY: <sip:other@example.net>;tag=zz\r\n`;
    const got = parsePlainNameAddrAt(bytesOf(src), src, PAD, PAD + 3, PAD + 3 + text.length);
    expect(got).toBeDefined();
    expect(plain(got!)).toEqual(plain(parseNameAddr(text, true)));
  });

  const declined = [
    'sip:bob@example.com;tag=1', // addr-spec: the general path
    '"A \\"q\\"" <sip:a@example.com>', // escapes
    'Bob  <sip:bob@example.com>', // two spaces
    '<sip:a@example.com>, <sip:b@example.com>', // a list
    '<sip:a@example.com> ;tag=1', // LWS before the parameter
    '<sip:[2001:db8::1]>', // IPv6 reference
    '<tel:+15551234567>',
    '<sip:bob@example.com',
    '*',
  ];
  test.each(declined)('declines %s', (text) => {
    const src = `X: ${text}\r\nY: <sip:other@example.net>\r\n`;
    expect(parsePlainNameAddrAt(bytesOf(src), src, PAD, PAD + 3, PAD + 3 + text.length)).toBeUndefined();
  });
});

describe('Route lists read in place agree with splitting and parseNameAddr', () => {
  test.each([
    '<sip:proxy2.biloxi.example.com;lr>, <sip:proxy1.atlanta.example.com;lr>',
    '<sip:p1.example.com;lr>,<sip:p2.example.com;lr>',
    '<sip:p1.example.com;lr> ,\t<sip:p2.example.com:5070;transport=tcp;lr>;x=1, "P 3" <sip:p3@example.com>',
    '<sip:only.example.com;lr>',
    '<sip:a.example.com>;p="x, y", <sip:b.example.com>',
  ])('%s', (text) => {
    const src = `Route: ${text}\r\nTo: <sip:other@example.net>;tag=zz\r\n`;
    const got = parsePlainNameAddrListAt(bytesOf(src), src, PAD, PAD + 7, PAD + 7 + text.length);
    expect(got).toBeDefined();
    expect(got!.map(plain)).toEqual(splitTopLevel(text).map((v) => plain(parseNameAddr(v, true))));
  });

  test.each([
    '<sip:a.example.com>, ', // trailing comma: the general path explains
    '<sip:a.example.com>,, <sip:b.example.com>', // empty element
    '<sip:a.example.com> <sip:b.example.com>', // no comma
    '<sip:a.example.com>, sip:b.example.com', // addr-spec
    '<sip:a.example.com>;lr=";", <sip:b.example.com>', // ";" inside quotes: not for Params.lazy
    '<sip:a.example.com>, <sip:[2001:db8::1]>',
  ])('declines %s', (text) => {
    const src = `Route: ${text}\r\n`;
    expect(parsePlainNameAddrListAt(bytesOf(src), src, PAD, PAD + 7, PAD + 7 + text.length)).toBeUndefined();
  });
});

describe('Via read in place agrees with parseVia', () => {
  test.each([
    'SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK74bf9;rport=5062;received=198.51.100.7',
    'SIP/2.0/TLS proxy.example.com;branch=z9hG4bK1;ttl=16',
    'SIP/2.0/tcp client.example.com:5061;branch=z9hG4bKx;rport',
  ])('%s', (text) => {
    const src = `Via: ${text}\r\nVia: SIP/2.0/UDP other.example;branch=z9hG4bKo\r\n`;
    const got = parsePlainViaAt(bytesOf(src), src, PAD, PAD + 5, PAD + 5 + text.length, true)!;
    const want = parseVia(text, true);
    expect([got.transport, got.host, got.port, got.branch, got.params.toString()]).toEqual([
      want.transport,
      want.host,
      want.port,
      want.branch,
      want.params.toString(),
    ]);
  });

  test.each([
    'SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2', // a list
    'SIP/2.0/UDP a.example;branch', // branch without a value: the general path explains
    'SIP/2.0/UDP a.example;received=300.1.1.1;branch=z9hG4bK1',
    'SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1',
    'SIP/2.0/UDP a.example ;branch=z9hG4bK1',
    'SIP/2.0/UDP a.example;ttl=256;branch=z9hG4bK1', // via-ttl is at most 255
    'SIP/2.0/UDP a.example;rport=65536;branch=z9hG4bK1',
    'SIP/2.0/UDP h\u00e9.example;branch=z9hG4bK1', // not ASCII (its latin1 byte is 0xE9)
  ])('declines %s', (text) => {
    const src = `Via: ${text}\r\n`;
    expect(parsePlainViaAt(bytesOf(src), src, PAD, PAD + 5, PAD + 5 + text.length, true)).toBeUndefined();
  });
});
