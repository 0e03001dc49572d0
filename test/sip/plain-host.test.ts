/**
 * plainHostEnd is the fast path's host check: it must accept only what checkHost accepts (RFC 3261 §25.1 hostname /
 * IPv4address), and everything checkHost accepts except the forms it leaves to the general path (a trailing ".").
 */
import fc from 'fast-check';
import { checkHost, plainHostEnd } from '../../src/sip/uri';

const accepts = (h: string): boolean => {
  try {
    checkHost(h);
    return true;
  } catch {
    return false;
  }
};

test('plainHostEnd agrees with checkHost on hosts built from hostname and IPv4 characters', () => {
  const host = fc
    .array(fc.constantFrom('a', 'Z', 'q', '0', '1', '9', '2', '5', '.', '-'), { minLength: 1, maxLength: 20 })
    .map((a) => a.join(''));
  fc.assert(
    fc.property(host, (h) => {
      const fast = plainHostEnd(Buffer.from(`${h};x`), 0, h.length + 2) === h.length; // stops at the ";" after the host
      const valid = accepts(h);
      if (fast) expect(valid).toBe(true);
      if (valid && !h.endsWith('.')) expect(fast).toBe(true);
    }),
    { numRuns: 20000, seed: 5626 },
  );
});

test.each([
  ['atlanta.example.com', true],
  ['192.0.2.1', true],
  ['255.255.255.255', true],
  ['256.1.1.1', false],
  ['1.2.3', false],
  ['a..b', false],
  ['-a.b', false],
  ['a-.b', false],
  ['a.-b', false],
  ['a.b-', false],
  ['example.123', false],
  ['x-1.example', true],
  ['localhost', true],
  ['h\u00e9.example', false], // its latin1 byte 0xE9 is in no host class
])('%s → %s', (h, ok) => {
  expect(plainHostEnd(Buffer.from(`<sip:${h}>`, 'latin1'), 5, h.length + 6) === h.length + 5).toBe(ok);
});
