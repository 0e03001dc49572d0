/** The STUN codec (RFC 5389 §6, §15.2), checked against the RFC 5769 test-vector layout and by round trips. */
import {
  decodeStun,
  encodeBindingRequest,
  encodeBindingSuccess,
  isStun,
  STUN_BINDING_REQUEST,
  STUN_BINDING_SUCCESS,
} from '../../src/transport/stun';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 §2.2 "Sample IPv4 Response": SOFTWARE, XOR-MAPPED-ADDRESS 192.0.2.1:32853, MESSAGE-INTEGRITY and
// FINGERPRINT (integrity and fingerprint are not checked by our minimal codec; only skipped correctly).
const RFC5769_IPV4_RESPONSE = hex(`
  0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0008 0001a147 e112a643
  0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  8028 0004 c07d4c96`);

// RFC 5769 §2.3 "Sample IPv6 Response", reduced to its XOR-MAPPED-ADDRESS: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
const RFC5769_IPV6_XMA = hex(`
  0101 0018 2112a442 b7e7a701 bc34d686 fa87dfae
  0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9`);

describe('STUN codec (RFC 5389)', () => {
  test('RFC 5769 §2.2: XOR-MAPPED-ADDRESS decodes to 192.0.2.1:32853 past SOFTWARE, before MESSAGE-INTEGRITY', () => {
    expect(isStun(RFC5769_IPV4_RESPONSE)).toBe(true);
    const m = decodeStun(RFC5769_IPV4_RESPONSE)!;
    expect(m.type).toBe(STUN_BINDING_SUCCESS);
    expect(m.transactionId.toString('hex')).toBe('b7e7a701bc34d686fa87dfae');
    expect(m.mapped).toEqual({ address: '192.0.2.1', port: 32853 });
  });

  test('RFC 5769 §2.3: the IPv6 XOR-MAPPED-ADDRESS (XORed with cookie + transaction id) decodes', () => {
    expect(decodeStun(RFC5769_IPV6_XMA)!.mapped).toEqual({
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
  });

  test('our encoder reproduces the RFC 5769 XOR-MAPPED-ADDRESS bytes exactly', () => {
    const tid = hex('b7e7a701bc34d686fa87dfae');
    const v4 = encodeBindingSuccess(tid, { address: '192.0.2.1', port: 32853 });
    expect(v4.subarray(20).toString('hex')).toBe('002000080001a147e112a643');
    const v6 = encodeBindingSuccess(tid, { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
    expect(v6.equals(RFC5769_IPV6_XMA)).toBe(true);
  });

  test.each([
    ['127.0.0.1', 5060],
    ['::1', 40000],
    ['2001:db8::1', 1],
    ['fe80::1:2:3', 65535],
  ])('Binding success round-trips %s port %d', (address, port) => {
    const req = encodeBindingRequest();
    const d = decodeStun(req)!;
    expect(d.type).toBe(STUN_BINDING_REQUEST);
    expect(req.length).toBe(20);
    const res = decodeStun(encodeBindingSuccess(d.transactionId, { address, port }))!;
    expect(res.type).toBe(STUN_BINDING_SUCCESS);
    expect(res.transactionId.equals(d.transactionId)).toBe(true);
    expect(res.mapped).toEqual({ address, port });
  });

  test('not STUN: SIP text, CRLF, a wrong cookie, a length that does not match, a truncated attribute', () => {
    expect(isStun(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n'))).toBe(false);
    expect(isStun(Buffer.from('\r\n\r\n'))).toBe(false);
    const good = encodeBindingRequest();
    const badCookie = Buffer.from(good);
    badCookie.writeUInt32BE(0x2112a443, 4);
    expect(isStun(badCookie)).toBe(false);
    expect(isStun(Buffer.concat([good, Buffer.alloc(4)]))).toBe(false);
    const overrun = Buffer.from(RFC5769_IPV6_XMA);
    overrun.writeUInt16BE(0x0024, 22); // attribute claims 36 bytes, message holds 20
    expect(decodeStun(overrun)).toBeUndefined();
  });
});
