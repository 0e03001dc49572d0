import { renderTraceText } from '../../src/report/trace-text';
import { ALICE_UDP, request, sampleTrace, TraceBuilder } from './trace-samples';

describe('raw trace as text', () => {
  it('gives each entry wall time, offset, direction, transport, endpoints, flow and the raw message', () => {
    const text = renderTraceText(sampleTrace(), { endpointNames: { '127.0.0.1:5070': 'SUT' } });
    const headers = text.split('\n').filter((l) => l.startsWith('#'));
    expect(headers).toHaveLength(sampleTrace().length);
    expect(headers[0]).toBe(
      '#0 2026-11-24T05:00:00.007Z +0.000ms alice 127.0.0.1:40100 → SUT 127.0.0.1:5070 UDP flow=udp:40100 INVITE',
    );
    expect(headers[1]).toContain(
      '+7.250ms alice 127.0.0.1:40100 ← SUT 127.0.0.1:5070 UDP flow=udp:40100 100 Trying (INVITE)',
    );
    expect(headers[10]).toContain('TCP flow=tcp-1 CRLF ping');
    expect(headers[12]).toContain('flow reset');
    expect(headers[14]).toContain('430 Flow Failed (INVITE)');
    expect(text).toContain('    INVITE sip:bob@127.0.0.1:5070 SIP/2.0\n    Via: SIP/2.0/UDP 127.0.0.1:40100');
    expect(text).toContain('    m=audio 49170 RTP/AVP 0');
    expect(text).toContain('(fault injected/observed: reset)');
    expect(text).toContain('    "\\r\\n\\r\\n"');
    expect(text).not.toContain('\r');
  });

  it('masks secrets everywhere, including percent-encoded forms', () => {
    const b = new TraceBuilder();
    b.add({
      direction: 'out',
      transport: 'udp',
      local: ALICE_UDP,
      flowId: 'u',
      agent: 'alice',
      data: request('REGISTER', { extra: ['X-Debug: pw=p@ss w0rd&x', 'X-Enc: p%40ss%20w0rd'] }),
    });
    b.add({
      direction: 'out',
      transport: 'udp',
      local: ALICE_UDP,
      flowId: 'u',
      agent: 'alice',
      kind: 'fault',
      note: 'reset after p@ss w0rd',
    });
    const text = renderTraceText(b.entries, { secrets: ['p@ss w0rd', ''] });
    expect(text).not.toContain('p@ss');
    expect(text).not.toContain('p%40ss');
    expect(text.match(/\*{8}/g)).toHaveLength(4); // header line, note line, X-Debug, X-Enc
  });

  it('shows binary bodies and binary datagrams as hex, never raw control bytes', () => {
    const b = new TraceBuilder();
    const head = request('MESSAGE')
      .toString()
      .replace('Content-Length: 0', 'Content-Type: application/octet-stream\r\nContent-Length: 6');
    const bin = Buffer.concat([Buffer.from(head), Buffer.from([0x00, 0x01, 0xff, 0x1b, 0x41, 0x42])]);
    b.add({ direction: 'out', transport: 'udp', local: ALICE_UDP, flowId: 'u', data: bin });
    b.add({
      direction: 'in',
      transport: 'udp',
      local: ALICE_UDP,
      flowId: 'u',
      kind: 'garbage',
      note: 'not SIP',
      data: Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05]),
    });
    const text = renderTraceText(b.entries);
    expect(text).toContain('[binary body, 6 bytes]');
    expect(text).toContain('0000  00 01 ff 1b 41 42');
    expect(text).toContain('[binary, 5 bytes]');
    expect(text).toContain('(garbage: not SIP)');
    // eslint-disable-next-line no-control-regex -- asserts that no control character reaches the text
    expect(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)).toBe(false);
  });

  it('says so when the trace is empty', () => {
    expect(renderTraceText([])).toBe('(no messages)\n');
  });
});
