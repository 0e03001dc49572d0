/** The bench corpus: a call through two proxies and a registration, as a proxy or registrar sees them all day. */

const SDP_OFFER = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 198.51.100.7',
  's=-',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 97 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:97 iLBC/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  '',
].join('\r\n');
const SDP_ANSWER = SDP_OFFER.replace(/alice/g, 'bob')
  .replace(/198\.51\.100\.7/g, '203.0.113.9')
  .replace('49170', '3456');

function msg(lines: string[], body = ''): string {
  return lines.join('\r\n') + `\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` + body;
}

/** A call through two proxies and a registration: what a proxy or registrar sees all day. */
export const BENCH_MESSAGES: Record<string, string> = {
  invite: msg(
    [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.101',
      'Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK74bf9;rport=5062;received=198.51.100.7',
      'Max-Forwards: 69',
      'Record-Route: <sip:proxy1.atlanta.example.com;lr>',
      'From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
      'To: Bob <sip:bob@biloxi.example.com>',
      'Call-ID: 3848276298220188511@atlanta.example.com',
      'CSeq: 31862 INVITE',
      'Contact: <sip:alice@198.51.100.7:5062;transport=udp>',
      'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO',
      'Supported: replaces, timer, 100rel',
      'User-Agent: Softphone Beta1.5',
      'Content-Type: application/sdp',
    ],
    SDP_OFFER,
  ),
  register: msg([
    'REGISTER sip:example.org SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.40:49152;branch=z9hG4bK-524287-1---a1d0c5e3f;rport',
    'Max-Forwards: 70',
    'From: <sip:bob@example.org>;tag=6e8a2bc1',
    'To: <sip:bob@example.org>',
    'Call-ID: YzQ0ZGQ1ZDE0YmFiNjZlZjE4ZTVkNTk3YzU4OGQ2NjU',
    'CSeq: 2 REGISTER',
    'Contact: <sip:bob@192.0.2.40:49152;transport=tcp;ob>;reg-id=1;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";expires=3600',
    'Supported: path, outbound, gruu',
    'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
    'User-Agent: Softphone Beta1.5',
    'Authorization: Digest username="bob", realm="example.org", nonce="AAABkz1xX2c0i8fW3vPqTQ", uri="sip:example.org", response="4f9d3c0e1b8a77d2c6e5f4a3b2c1d0e9", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
    'Expires: 3600',
  ]),
  ok: msg(
    [
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP proxy2.biloxi.example.com:5060;branch=z9hG4bK721e4.1;received=192.0.2.222',
      'Via: SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.101',
      'Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK74bf9;rport=5062;received=198.51.100.7',
      'Record-Route: <sip:proxy2.biloxi.example.com;lr>, <sip:proxy1.atlanta.example.com;lr>',
      'From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
      'To: Bob <sip:bob@biloxi.example.com>;tag=314159',
      'Call-ID: 3848276298220188511@atlanta.example.com',
      'CSeq: 31862 INVITE',
      'Contact: <sip:bob@203.0.113.9>',
      'Content-Type: application/sdp',
    ],
    SDP_ANSWER,
  ),
  trying: msg([
    'SIP/2.0 100 Trying',
    'Via: SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.101',
    'Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK74bf9;rport=5062;received=198.51.100.7',
    'From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    'To: Bob <sip:bob@biloxi.example.com>',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 31862 INVITE',
  ]),
  ack: msg([
    'ACK sip:bob@203.0.113.9 SIP/2.0',
    'Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK74bd5;rport',
    'Max-Forwards: 70',
    'Route: <sip:proxy1.atlanta.example.com;lr>, <sip:proxy2.biloxi.example.com;lr>',
    'From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    'To: Bob <sip:bob@biloxi.example.com>;tag=314159',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 31862 ACK',
  ]),
  bye: msg([
    'BYE sip:alice@198.51.100.7:5062;transport=udp SIP/2.0',
    'Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKnashds7;rport',
    'Max-Forwards: 70',
    'Route: <sip:proxy2.biloxi.example.com;lr>, <sip:proxy1.atlanta.example.com;lr>',
    'From: Bob <sip:bob@biloxi.example.com>;tag=314159',
    'To: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 231 BYE',
  ]),
};
