/**
 * Params.lazy: parameters that a fast path validated are split only when read, and must then behave exactly like
 * parameters parsed eagerly (RFC 3261 §19.1.4 / §7.3.1: parameter names compare case-insensitively).
 */
import { Params } from '../../src/sip/params';
import { parseMessage } from '../../src/sip/parser';
import { parseUri } from '../../src/sip/uri';
import { parseNameAddr } from '../../src/sip/fields';

const TEXT = 'Via: SIP/2.0/UDP h;branch=z9hG4bKx;RPort;Received=192.0.2.1;branch=second';
const from = TEXT.indexOf(';');

describe('Params.lazy reads like eagerly parsed parameters', () => {
  test('get: any case of the name, first occurrence, null for a name without value, undefined when absent', () => {
    const p = Params.lazy(TEXT, from, TEXT.length);
    expect(p.get('branch')).toBe('z9hG4bKx');
    expect(p.get('BRANCH')).toBe('z9hG4bKx');
    expect(p.get('rport')).toBeNull();
    expect(p.get('received')).toBe('192.0.2.1');
    expect(p.get('branc')).toBeUndefined();
    expect(p.get('branchx')).toBeUndefined();
    expect(p.get('maddr')).toBeUndefined();
    // "@" and "`" differ only in bit 0x20: they are not the same character in another case.
    const q = Params.lazy(';a@b=1', 0, 6);
    expect(q.get('a`b')).toBeUndefined();
    expect(q.get('A@B')).toBe('1');
  });

  test('the same answers as Params.parse for every accessor', () => {
    const lazy = Params.lazy(TEXT, from, TEXT.length);
    const eager = Params.parse(TEXT.slice(from + 1));
    expect(lazy.size).toBe(eager.size);
    expect(lazy.names()).toEqual(eager.names());
    expect(lazy.has('RECEIVED')).toBe(true);
    const seen: Array<[string, string | null]> = [];
    lazy.forEach((n, v) => seen.push([n, v]));
    expect(seen).toEqual([
      ['branch', 'z9hG4bKx'],
      ['RPort', null],
      ['Received', '192.0.2.1'],
      ['branch', 'second'],
    ]);
    expect(lazy.toString()).toBe(eager.toString());
  });

  test('unread parameters print byte for byte; writes keep order and clones stay independent', () => {
    const p = Params.lazy(TEXT, from, TEXT.length);
    expect(p.toString()).toBe(';branch=z9hG4bKx;RPort;Received=192.0.2.1;branch=second');
    const c = p.clone();
    p.set('rport', '5060').push('ob', null);
    p.delete('received');
    expect(p.toString()).toBe(';branch=z9hG4bKx;RPort=5060;branch=second;ob');
    expect(c.toString()).toBe(';branch=z9hG4bKx;RPort;Received=192.0.2.1;branch=second');
    expect(Params.lazy('x', 1, 1).size).toBe(0);
  });

  test('through the parser: a Via and a URI from the fast paths keep every parameter', () => {
    const m = parseMessage(
      'OPTIONS sip:bob@example.com;transport=tcp;lr SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport;received=192.0.2.9\r\n' +
        'From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
    );
    const via = m.topVia;
    expect([via.branch, via.rport, via.received]).toEqual(['z9hG4bK1', null, '192.0.2.9']);
    expect(via.toString()).toBe('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport;received=192.0.2.9');
    const uri = parseUri('sip:bob@example.com;transport=TCP;lr');
    expect(uri.kind === 'sip' && [uri.transport, uri.params.has('lr'), uri.toString()]).toEqual([
      'tcp',
      true,
      'sip:bob@example.com;transport=TCP;lr',
    ]);
    expect(m.from.tag).toBe('1');
  });

  test('a name-addr with a quoted +sip.instance (RFC 5626 §4.1) reads as the eager parse does', () => {
    const text =
      '<sip:bob@192.0.2.40:49152;transport=tcp;ob>;reg-id=1;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";expires=3600';
    const na = parseNameAddr(text, true);
    const eager = Params.parse(text.slice(text.indexOf('>') + 2));
    expect(na.params.getUnquoted('+sip.instance')).toBe('<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>');
    expect(na.params.get('reg-id')).toBe('1');
    expect(na.params.toString()).toBe(eager.toString());
    expect(na.params.names()).toEqual(eager.names());
    // Quoted values with ";" "=" or escapes are not lazy, and still read right.
    const odd = parseNameAddr('<sip:a@b>;x="a;b=c";y="q\\"z"', true);
    expect(odd.params.get('x')).toBe('"a;b=c"');
    expect(odd.params.size).toBe(2);
  });
});
