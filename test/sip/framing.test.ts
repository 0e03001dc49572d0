/** Stream framing by Content-Length (RFC 3261 §18.3) with CRLF keep-alives between messages (RFC 5626 §3.5.1). */
import fc from 'fast-check';
import { Frame, StreamFramer } from '../../src/sip/framing';
import { parse } from '../../src/sip/parser';

const msg = (cseq: number, body = '') =>
  Buffer.from(
    `MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.5;branch=z9hG4bK-${cseq}\r\nMax-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\n` +
      `To: <sip:b@example.com>\r\nCall-ID: frame\r\nCSeq: ${cseq} MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );

const kinds = (fs: Frame[]) => fs.map((f) => (f.kind === 'message' ? `m:${parse(f.data).message!.cseq.seq}` : f.kind));

describe('StreamFramer (RFC 3261 §18.3, RFC 5626 §3.5.1)', () => {
  test('two messages in one chunk, with a body holding CRLF CRLF, frame at Content-Length boundaries', () => {
    const f = new StreamFramer();
    const frames = f.push(Buffer.concat([msg(1, 'a\r\n\r\nb'), msg(2, 'x')]));
    expect(kinds(frames)).toEqual(['m:1', 'm:2']);
    expect(parse((frames[0] as { data: Buffer }).data).message!.body.toString()).toBe('a\r\n\r\nb');
    expect(f.pending).toBe(0);
  });

  test('byte-by-byte delivery yields the same frames (partial reads), a ping included', () => {
    const f = new StreamFramer();
    const all = Buffer.concat([msg(1, 'hello'), Buffer.from('\r\n\r\n'), msg(2)]);
    const frames: Frame[] = [];
    for (let i = 0; i < all.length; i++) frames.push(...f.push(all.subarray(i, i + 1)));
    expect(kinds(frames)).toEqual(['m:1', 'ping', 'm:2']);
    expect(f.pending).toBe(0);
  });

  test('a lone CRLF is a pong only while a ping awaits one; otherwise it waits for the rest of a ping (RFC 5626 §3.5.1)', () => {
    const f = new StreamFramer();
    expect(f.push(Buffer.from('\r\n'))).toEqual([]);
    expect(kinds(f.push(Buffer.from('\r\n')))).toEqual(['ping']);
    const g = new StreamFramer();
    expect(kinds(g.push(Buffer.from('\r\n'), { awaitingPong: true }))).toEqual(['pong']);
    const h = new StreamFramer();
    expect(h.push(Buffer.from('\r\n\r'))).toEqual([]);
    expect(kinds(h.push(Buffer.from('\n')))).toEqual(['ping']);
  });

  test('any split of a stream of messages and keep-alives gives the same frames', () => {
    const parts = [msg(1, 'é body'), Buffer.from('\r\n\r\n'), msg(2), Buffer.from('\r\n\r\n'), msg(3, '\x00\x01\r\n')];
    const all = Buffer.concat(parts);
    fc.assert(
      fc.property(fc.array(fc.nat(all.length), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const f = new StreamFramer();
        const frames: Frame[] = [];
        let prev = 0;
        for (const p of [...points, all.length]) {
          frames.push(...f.push(all.subarray(prev, p)));
          prev = p;
        }
        expect(kinds(frames)).toEqual(['m:1', 'ping', 'm:2', 'ping', 'm:3']);
        expect(f.pending).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test('compact "l:" Content-Length frames too (§7.3.3)', () => {
    const m = Buffer.from(msg(4, 'abc').toString().replace('Content-Length: 3', 'l:3'));
    expect(kinds(new StreamFramer().push(m))).toEqual(['m:4']);
  });

  test('a message without Content-Length on a stream is a framing error naming §18.3', () => {
    const m = Buffer.from(msg(5).toString().replace('Content-Length: 0\r\n', ''));
    const frames = new StreamFramer().push(m);
    expect(frames[0]).toMatchObject({ kind: 'error', message: expect.stringContaining('§18.3') });
  });

  test('an oversized header section or body is an error, not unbounded buffering', () => {
    const f = new StreamFramer({ maxHeaderBytes: 100 });
    expect(f.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\nX: ' + 'a'.repeat(200)))[0]).toMatchObject({ kind: 'error' });
    expect(f.pending).toBe(0);
    const g = new StreamFramer({ maxBodyBytes: 10 });
    expect(g.push(msg(6, 'x'.repeat(11)))[0]).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('Content-Length 11'),
    });
  });

  test('parse() in stream mode requires Content-Length (§18.3); datagrams discard octets past it', () => {
    const noCl = msg(7).toString().replace('Content-Length: 0\r\n', '');
    expect(parse(noCl, { transport: 'stream' }).errors[0]!.message).toMatch(
      /Content-Length is required on stream transports/,
    );
    expect(parse(noCl, { transport: 'datagram' }).errors).toEqual([]);
    const r = parse(Buffer.concat([msg(8, 'ab'), Buffer.from('junk')]));
    expect(r.message!.body.toString()).toBe('ab');
    expect(r.warnings[0]!.message).toMatch(/4 bytes after the body/);
  });
});
