import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layoutLadder, renderLadder } from '../../src/report/ladder';
import type { Endpoint } from '../../src/transport/types';
import { ALICE_UDP, BOB_UDP, request, response, sampleTrace, SUT, TraceBuilder } from './trace-samples';
import { findAll, hasClass, parseXmlStrict, type XmlElement } from './xml-check';

const NAMES = { '127.0.0.1:5070': 'SUT' };
const arrows = (svg: XmlElement) => findAll(svg, hasClass('arrow'));
const msgs = (svg: XmlElement) => findAll(svg, hasClass('msg'));
const textOf = (el: XmlElement): string => el.text + el.children.map(textOf).join('');

describe('ladder diagram (SVG)', () => {
  it('the strict XML check used below rejects what is not well-formed', () => {
    for (const bad of [
      '<a><b></a>',
      '<a x=1/>',
      '<a>&nbsp;</a>',
      '<a>x & y</a>',
      '<a x="1" x="2"/>',
      '<a/><b/>',
      '<a>\u0001</a>',
      '<a x="<"/>',
      '<a>',
    ]) {
      expect(() => parseXmlStrict(bad)).toThrow();
    }
    expect(parseXmlStrict('<a x="&lt;&#65;"><b>t&amp;</b></a>').children[0].text).toBe('t&');
  });

  it('draws one lane per agent and one for the SUT, one arrow per message, faults and 430 in red', () => {
    const trace = sampleTrace();
    const svgText = renderLadder(trace, { endpointNames: NAMES, title: 'OUTBOUND-FAILOVER-430' });
    const svg = parseXmlStrict(svgText);
    expect(svg.name).toBe('svg');
    const lanes = findAll(svg, hasClass('lane')).map((l) => l.attrs['data-lane']);
    expect(lanes).toEqual(['alice', 'SUT', 'bob']);
    const faultMarks = findAll(svg, hasClass('fault-mark'));
    expect(faultMarks).toHaveLength(2); // reset of tcp-1, close of tcp-2
    expect(arrows(svg)).toHaveLength(trace.length - 2);
    expect(msgs(svg).map((m) => Number(m.attrs['data-seq']))).toEqual(trace.map((e) => e.seq));
    const labels = msgs(svg).map((m) =>
      m.children
        .filter((c) => c.name === 'text')
        .map(textOf)
        .pop(),
    );
    expect(labels.slice(0, 6)).toEqual([
      'INVITE',
      '100 Trying (INVITE)',
      'INVITE',
      '200 OK (INVITE)',
      '200 OK (INVITE)',
      'ACK',
    ]);
    expect(labels).toContain('CRLF ping');
    expect(labels).toContain('✕ flow reset (tcp-1)');
    const red = msgs(svg)
      .filter(hasClass('fault'))
      .map((m) => Number(m.attrs['data-seq']));
    expect(red).toEqual([12, 14, 15]); // reset, 430 Flow Failed (RFC 5626 §5.3), close
    const minor = msgs(svg).filter(hasClass('minor'));
    expect(minor).toHaveLength(2);
    expect(minor.every((m) => m.attrs.opacity === '0.6')).toBe(true);
    // gutter: offset since the first message and the transport/flow
    const first = msgs(svg)[0]
      .children.filter((c) => c.name === 'text')
      .map(textOf);
    expect(first.slice(0, 2)).toEqual(['+0.0 ms', 'UDP udp:40100']);
    expect(
      msgs(svg)[14]
        .children.filter((c) => c.name === 'text')
        .map(textOf)[0],
    ).toBe('+102 ms');
    expect(findAll(svg, (e) => e.name === 'text' && e.attrs.class === 'title').map(textOf)).toEqual([
      'OUTBOUND-FAILOVER-430',
    ]);
    mkdirSync('reports', { recursive: true });
    writeFileSync(join('reports', 'ladder-sample.svg'), svgText);
  });

  it('puts arrows between the right lanes in the right direction', () => {
    const { lanes, rows } = layoutLadder(sampleTrace(), { endpointNames: NAMES, lanes: ['SUT'] });
    expect(lanes).toEqual(['SUT', 'alice', 'bob']);
    expect(rows.slice(0, 4).map((r) => [lanes[r.from], lanes[r.to]])).toEqual([
      ['alice', 'SUT'],
      ['SUT', 'alice'],
      ['SUT', 'bob'],
      ['bob', 'SUT'],
    ]);
  });

  it('draws a message between two agents of one check once, not once per side', () => {
    const b = new TraceBuilder();
    const inv = request('INVITE');
    b.add({
      direction: 'out',
      transport: 'udp',
      local: ALICE_UDP,
      remote: BOB_UDP,
      flowId: 'u1',
      agent: 'alice',
      data: inv,
    });
    b.add({
      direction: 'in',
      transport: 'udp',
      local: BOB_UDP,
      remote: ALICE_UDP,
      flowId: 'u2',
      agent: 'bob',
      data: inv,
    });
    const ok = response(200, 'OK', 'INVITE');
    b.add({
      direction: 'out',
      transport: 'udp',
      local: BOB_UDP,
      remote: ALICE_UDP,
      flowId: 'u2',
      agent: 'bob',
      data: ok,
    });
    b.add({
      direction: 'in',
      transport: 'udp',
      local: ALICE_UDP,
      remote: BOB_UDP,
      flowId: 'u1',
      agent: 'alice',
      data: ok,
    });
    // a retransmission is a second message and gets its own row (RFC 3261 §17.1.1.2 Timer A)
    b.add({
      direction: 'out',
      transport: 'udp',
      local: ALICE_UDP,
      remote: BOB_UDP,
      flowId: 'u1',
      agent: 'alice',
      data: inv,
    });
    const svg = parseXmlStrict(renderLadder(b.entries));
    expect(findAll(svg, hasClass('lane')).map((l) => l.attrs['data-lane'])).toEqual(['alice', 'bob']);
    expect(msgs(svg).map((m) => m.attrs['data-seq'])).toEqual(['0', '2', '4']);
    // a retransmission sent before the first copy was recorded as received is still two messages
    const c = new TraceBuilder();
    c.add({
      direction: 'out',
      transport: 'udp',
      local: ALICE_UDP,
      remote: BOB_UDP,
      flowId: 'u1',
      agent: 'alice',
      data: inv,
    });
    c.add({
      direction: 'out',
      transport: 'udp',
      local: ALICE_UDP,
      remote: BOB_UDP,
      flowId: 'u1',
      agent: 'alice',
      data: inv,
    });
    c.add({
      direction: 'in',
      transport: 'udp',
      local: BOB_UDP,
      remote: ALICE_UDP,
      flowId: 'u2',
      agent: 'bob',
      data: inv,
    });
    c.add({
      direction: 'in',
      transport: 'udp',
      local: BOB_UDP,
      remote: ALICE_UDP,
      flowId: 'u2',
      agent: 'bob',
      data: inv,
    });
    expect(msgs(parseXmlStrict(renderLadder(c.entries))).map((m) => m.attrs['data-seq'])).toEqual(['0', '1']);
  });

  it('escapes everything: hostile header values, lane names, notes and control bytes stay valid XML', () => {
    const b = new TraceBuilder();
    const evil = '"><script>alert(1)</script>&amp;\u0001\u001b]\ud800';
    const local: Endpoint = { address: '127.0.0.1', port: 40999 };
    b.add({
      direction: 'out',
      transport: 'udp',
      local,
      flowId: `f<&>"'`,
      agent: `a<b>&"'`,
      data: request(`X<&>`, { extra: [`X-Evil: ${evil}`] }),
    });
    b.add({
      direction: 'in',
      transport: 'udp',
      local,
      flowId: 'f',
      agent: 'x',
      kind: 'garbage',
      note: '<&>',
      data: Buffer.from([0, 1, 2, 0x3c, 0x26]),
    });
    const svgText = renderLadder(b.entries, {
      endpointNames: { '127.0.0.1:5070': 'S<U>T&' },
      title: '<T&>',
      highlight: { text: `expected 200 <&> got ${evil}` },
    });
    const svg = parseXmlStrict(svgText);
    expect(svgText).not.toContain('<script');
    expect(findAll(svg, hasClass('lane')).map((l) => l.attrs['data-lane'])).toEqual([`a<b>&"'`, 'S<U>T&', 'x']);
    expect(textOf(findAll(svg, hasClass('highlight-note'))[0])).toContain('expected 200 <&> got "><script>');
    expect(findAll(svg, (e) => e.name === 'title')[0]).toBeDefined();
  });

  it('stays readable for 60 messages: fixed row height, the SVG grows, long labels clipped, tooltips hold the raw lines', () => {
    const b = new TraceBuilder();
    for (let i = 0; i < 30; i++) {
      b.add({
        direction: 'out',
        transport: 'udp',
        local: ALICE_UDP,
        flowId: 'u',
        agent: 'alice',
        data: request(i === 7 ? 'A'.repeat(120) : 'OPTIONS', { cseq: i + 1 }),
      });
      b.add({
        direction: 'in',
        transport: 'udp',
        local: ALICE_UDP,
        flowId: 'u',
        agent: 'alice',
        data: response(200, 'OK', 'OPTIONS', i + 1),
      });
    }
    const svgText = renderLadder(b.entries, {
      endpointNames: NAMES,
      tooltipLines: 6,
      highlight: {
        seq: 41,
        text: 'SUT non-conformance: expected 100 Trying within 200 ms (RFC 3261 §17.2.1)\nsecond line',
      },
    });
    const svg = parseXmlStrict(svgText);
    expect(arrows(svg)).toHaveLength(60);
    const ys = arrows(svg).map((a) => Number(a.attrs.y1));
    const steps = new Set(ys.slice(1).map((y, i) => y - ys[i]));
    expect([...steps]).toEqual([30]);
    const height = Number(svg.attrs.height);
    expect(height).toBeGreaterThan(60 * 30);
    expect(height).toBeLessThan(60 * 30 + 300);
    const long = msgs(svg)[14];
    const label = long.children
      .filter((c) => c.name === 'text')
      .map(textOf)
      .pop()!;
    expect(label.endsWith('…')).toBe(true);
    expect(label.length).toBeLessThan(40);
    const tip = long.children.find((c) => c.name === 'title')!.text;
    expect(tip).toContain(`${'A'.repeat(120)} sip:bob@127.0.0.1:5070 SIP/2.0`);
    expect(tip).toContain('Call-ID: call-');
    expect(tip).not.toContain('CSeq: 8');
    expect(tip).toContain('… (3 more lines)');
    const hl = findAll(svg, hasClass('highlight'));
    expect(hl.map((h) => h.attrs['data-seq'])).toEqual(['41']);
    expect(findAll(svg, hasClass('highlight-note')).map(textOf).join('\n')).toContain('second line');
  });

  it('masks secrets in labels, tooltips and notes, and says so when there is nothing to draw', () => {
    const b = new TraceBuilder();
    b.add({
      direction: 'out',
      transport: 'udp',
      local: ALICE_UDP,
      remote: SUT,
      flowId: 'u',
      agent: 'alice',
      data: request('REGISTER', { extra: ['X-Pw: hunter2'] }),
    });
    const svgText = renderLadder(b.entries, { secrets: ['hunter2'], highlight: { text: 'hunter2 leaked?' } });
    expect(svgText).not.toContain('hunter2');
    expect(svgText).toContain('X-Pw: ********');
    const empty = parseXmlStrict(renderLadder([]));
    expect(textOf(empty)).toContain('(no messages)');
  });
});
