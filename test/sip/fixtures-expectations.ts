/** Per-message expectations for the project's own fixtures (test/fixtures/messages, see its MANIFEST.tsv). */
import { resolve } from 'node:path';
import { parseChallenge, parseAuthorization } from '../../src/sip/digest';
import { parseNameAddr } from '../../src/sip/fields';
import { SipMessage, SipRequest, SipResponse } from '../../src/sip/message';
import { SipUri, TelUri } from '../../src/sip/uri';
import { Expectation } from './support/manifest-suite';

export const FIXTURE_DIR = resolve(__dirname, '..', 'fixtures', 'messages');

const req = (m: SipMessage) => m as SipRequest;
const res = (m: SipMessage) => m as SipResponse;
const sip = (u: unknown) => {
  expect(u).toBeInstanceOf(SipUri);
  return u as SipUri;
};

export const FIXTURE_EXPECTATIONS: Record<string, Expectation> = {
  'invite-folded-compact': {
    values: (m) => {
      const r = req(m);
      expect(r.method).toBe('INVITE');
      expect(sip(r.uri).transport).toBe('udp');
      expect(r.vias.map((v) => [v.protocol, v.transport, v.host, v.port, v.branch])).toEqual([
        ['SIP/2.0', 'UDP', '198.51.100.7', 5062, 'z9hG4bK-fold-1'],
        ['SIP/2.0', 'TCP', '[2001:db8::7]', 5070, 'z9hG4bK-fold-2'],
      ]);
      expect(r.vias[0]!.rport).toBeNull();
      expect(r.vias[1]!.received).toBe('2001:db8::8');
      expect(r.maxForwards).toBe(69);
      expect(r.from.displayName).toBe('Alice "Al" Liddell');
      expect(r.from.tag).toBe('fold-from-1');
      expect(r.to.displayName).toBe('Carol');
      expect(r.callId).toBe('fold-call-1@198.51.100.7');
      expect(r.cseq).toEqual({ seq: 7, method: 'INVITE' });
      expect(r.contacts[0]!.params.getUnquoted('+sip.instance')).toBe(
        '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>',
      );
      expect(r.optionTags('supported')).toEqual(['100rel', 'timer']);
      expect(r.get('subject')).toBe('lunch at noon');
      expect(r.get('content-type')).toBe('application/sdp');
      expect(r.body.toString()).toMatch(/^v=0\r\n/);
      expect(r.body.length).toBe(Number(r.get('l')));
    },
  },
  'register-outbound': {
    values: (m) => {
      const r = req(m);
      const c = r.contacts[0]!;
      expect(c.params.get('reg-id')).toBe('1');
      expect(c.params.getUnquoted('+sip.instance')).toBe('<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>');
      expect(c.params.get('expires')).toBe('3600');
      expect(c.params.get('q')).toBe('0.7');
      expect(sip(c.uri).params.get('ob')).toBeNull();
      expect(sip(c.uri).transport).toBe('tcp');
      expect(r.paths.map((p) => sip(p.uri).host)).toEqual(['edge1.example.org', 'edge2.example.org']);
      expect(sip(r.paths[0]!.uri).params.has('ob')).toBe(true);
      expect(r.optionTags('supported')).toEqual(['path', 'outbound']);
      expect(r.expires).toBe(3600);
      const a = parseAuthorization(r.get('authorization')!);
      expect(a).toMatchObject({ username: 'bob', realm: 'example.org', qop: 'auth', nc: '00000001', algorithm: 'MD5' });
    },
  },
  'response-200-record-route': {
    values: (m) => {
      const r = res(m);
      expect(r.status).toBe(200);
      expect(r.reason).toBe('OK');
      expect(r.vias).toHaveLength(3);
      expect([r.vias[0]!.received, r.vias[0]!.rport]).toEqual(['203.0.113.2', 5090]);
      expect([r.vias[1]!.maddr, r.vias[1]!.ttl]).toEqual(['224.2.0.1', 16]);
      expect(r.recordRoutes.map((x) => x.uri.toString())).toEqual([
        'sip:proxy2.example.net;lr',
        'sip:[2001:db8::99]:5080;lr;transport=tcp',
        'sip:proxy1.example.net;lr',
      ]);
      expect(sip(r.recordRoutes[1]!.uri).port).toBe(5080);
      expect(r.to.tag).toBe('rr-to');
      expect(r.cseq.method).toBe('INVITE');
    },
  },
  'escaped-uris': {
    values: (m) => {
      const r = req(m);
      expect(sip(r.uri).userUnescaped).toBe('dave smith');
      const from = sip(r.from.uri);
      expect([from.user, from.password]).toEqual(['eve', 's%65cret']);
      expect(from.paramUnescaped('maddr')).toBe('192.0.2.9');
      expect(r.to.uri).toBeInstanceOf(TelUri);
      expect((r.to.uri as TelUri).number).toBe('+1-201-555-0123');
      expect((r.to.uri as TelUri).params.get('phone-context')).toBe('example.com');
      expect(sip(parseReplyTo(r)).headers).toBe('Subject=hi%20there&Priority=urgent');
      expect(r.body.toString()).toBe('hello');
    },
  },
  'binary-body': {
    values: (m) => {
      expect(m.body.length).toBe(256 + 4 + 2 + 16);
      for (let i = 0; i < 256; i++) expect(m.body[i]).toBe(i);
      expect(m.body.subarray(262).toString('latin1')).toBe('SIP/2.0 200 OK\r\n');
    },
  },
  'ipv6-hostports': {
    values: (m) => {
      const u = sip(req(m).uri);
      expect([u.host, u.hostname, u.port, u.transport]).toEqual(['[2001:db8::a:b]', '2001:db8::a:b', 5070, 'tcp']);
      expect(m.vias.map((v) => [v.host, v.port, v.received, v.rport])).toEqual([
        ['[2001:db8::1]', 5061, '[2001:db8::2]', 5063],
        ['[::1]', undefined, '::ffff:192.0.2.1', undefined],
      ]);
      expect([sip(m.from.uri).host, sip(m.from.uri).port]).toEqual(['[2001:db8::1]', 5061]);
      expect(m.callId).toBe('v6-call@[2001:db8::1]');
    },
  },
  'register-star': {
    values: (m) => {
      expect(m.isStarContact).toBe(true);
      expect(m.contacts).toEqual([]);
      expect(m.expires).toBe(0);
    },
  },
  'challenge-401': {
    values: (m) => {
      expect(res(m).status).toBe(401);
      const cs = m.getAll('www-authenticate').map(parseChallenge);
      expect(cs.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
      expect(cs[0]).toMatchObject({ realm: 'example.org', nonce: 'n-256', qop: ['auth'], opaque: 'op' });
    },
  },
  'leading-crlf-two-messages': {
    values: (m) => {
      expect(req(m).method).toBe('BYE');
      expect(m.body.length).toBe(0);
      expect(m.cseq).toEqual({ seq: 8, method: 'BYE' });
      expect(m.headerLines('to')[0]!.line).toBe(7);
    },
  },
  'response-no-reason-unknown-code': { values: (m) => expect([res(m).status, res(m).reason]).toEqual([499, '']) },
  'via-port-out-of-range': { faults: [/^Via: bad port "70000"/] },
  'unclosed-angle': { faults: [/^To: missing ">"/] },
  'cseq-method-mismatch': { faults: [/CSeq method INVITE does not match the request method BYE/] },
  'truncated-head': { faults: [/no empty line \(CRLF CRLF\) ends the header section/] },
  'double-compression-ipv6': { faults: [/bad IPv6 reference "\[2001:db8::1::2\]"/] },
  'status-code-two-digits': { faults: [/status code "99" is not three digits/] },
  'header-without-colon': { faults: [/header line without a colon: "This line has no colon"/] },
  'body-shorter-than-length': { faults: [/Content-Length 100 is larger than the 5 body bytes present/] },
  'q-value-above-one': { faults: [/^Contact: bad q value "1.5"/] },
  'max-forwards-not-number': { faults: [/Max-Forwards "seventy" is not a number/] },
  'bare-lf-lines': { faults: [/bare LF/] },
  'no-call-id': { faults: [/missing mandatory Call-ID/] },
  'duplicate-from': { faults: [/duplicate From header \(first on line 4\)/] },
  'require-unknown-tag': { faults: [/unknown extension "x-teleport".*420/] },
  'mailto-request-uri': { faults: [/Request-URI scheme "mailto".*416/] },
  'register-to-tel': { faults: [/REGISTER To "<tel:\+12015550123>" is not a SIP or SIPS URI/] },
  'invite-no-contact': { faults: [/INVITE without a Contact header.*§8\.1\.1\.8\)$/] },
  'unknown-content-type': { faults: [/Content-Type "application\/x-mystery".*415/] },
  'max-forwards-zero': { faults: [/Max-Forwards is 0.*483/] },
  'ipv6-port-in-brackets': { faults: [/\[2001:db8::5:5060\] has no port.*\[2001:db8::5\]:5060/] },
  'two-content-lengths': { faults: [/two Content-Length headers \(line 9: 2, line 10: 3\)/] },
  'bare-cookie-branch': { faults: [/bare magic cookie "z9hG4bK"/] },
  'digest-unknown-scheme': { faults: [/Proxy-Authorization uses the unknown authentication scheme "Bearer"/] },
  'accept-mismatch': { faults: [/body is application\/sdp but Accept \(line 9\) lists only text\/html.*406/] },
  'broadcast-via': { faults: [/Via sent-by 255\.255\.255\.255 is a broadcast address/] },
};

function parseReplyTo(r: SipRequest) {
  // Reply-To is a name-addr (§20.31); read it through the same parser as From/To.
  return parseNameAddr(r.get('reply-to')!, true).uri;
}
