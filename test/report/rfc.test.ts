import { findRfcRefs, parseRfcRef, rfcDisplayName, rfcLink, rfcUrl, tryParseRfcRef } from '../../src/report/rfc';

describe('RFC section references (report links)', () => {
  it.each([
    ['RFC 3261 §17.1.1.3', 3261, '17.1.1.3'],
    ['RFC3261 §8.2.2.1', 3261, '8.2.2.1'],
    ['rfc 3261 section 16.3', 3261, '16.3'],
    ['RFC 5626, §5.3', 5626, '5.3'],
    ['RFC 3261 17.1', 3261, '17.1'],
    ['3261#17.1.1.3', 3261, '17.1.1.3'],
    ['rfc3261#section-18.3', 3261, '18.3'],
    [' RFC 5626 ', 5626, undefined],
    ['3261', 3261, undefined],
    ['RFC 3261 §A', 3261, 'A'],
  ])('parses %j', (text, rfc, section) => {
    const r = parseRfcRef(text);
    expect(r.rfc).toBe(rfc);
    expect(r.section).toBe(section);
  });

  it.each(['', 'RFC', 'RFC abc', 'section 17', '3261#', 'RFC 3261 §', 'RFC 0'])(
    'rejects %j with a message naming it',
    (text) => {
      expect(() => parseRfcRef(text)).toThrow(`not an RFC reference: "${text}"`);
      expect(tryParseRfcRef(text)).toBeUndefined();
    },
  );

  it('builds rfc-editor URLs with section anchors (RFC 3261 §17.1.1.3 → #section-17.1.1.3)', () => {
    expect(rfcUrl('RFC 3261 §17.1.1.3')).toBe('https://www.rfc-editor.org/rfc/rfc3261#section-17.1.1.3');
    expect(rfcUrl('5626#5.3')).toBe('https://www.rfc-editor.org/rfc/rfc5626#section-5.3');
    expect(rfcUrl({ rfc: 5626 })).toBe('https://www.rfc-editor.org/rfc/rfc5626');
    expect(rfcUrl('RFC 3261 §A')).toBe('https://www.rfc-editor.org/rfc/rfc3261#appendix-A');
  });

  it('gives display names and Allure link records', () => {
    expect(rfcDisplayName('3261#17.1.1.3')).toBe('RFC 3261 §17.1.1.3');
    expect(rfcDisplayName('RFC5626')).toBe('RFC 5626');
    expect(rfcLink('rfc 5626 section 4.5')).toEqual({
      url: 'https://www.rfc-editor.org/rfc/rfc5626#section-4.5',
      name: 'RFC 5626 §4.5',
      type: 'rfc',
    });
  });

  it('finds every reference cited in a failure message, in order, without duplicates', () => {
    const refs = findRfcRefs(
      '430 expected (RFC 5626 §5.3); ACK must reuse the branch, RFC 3261 §17.1.1.3; again RFC 5626 §5.3; see RFC 3581.',
    );
    expect(refs.map(rfcDisplayName)).toEqual(['RFC 5626 §5.3', 'RFC 3261 §17.1.1.3', 'RFC 3581']);
  });
});
