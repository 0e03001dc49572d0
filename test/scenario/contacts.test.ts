/**
 * `contacts: { includes: [bob] }` finds bob's binding by its whole Contact URI, compared as RFC 3261 §19.1.4
 * compares SIP URIs — not by port alone (another user on the same port is not bob's binding).
 */
import { parseNameAddr } from '../../src/sip/fields';
import { parseUri } from '../../src/sip/uri';
import { listed, sameSipUri } from '../../src/scenario/steps/contacts';

const bob = parseUri('sip:bob-x@127.0.0.1:5070');

test.each([
  ['the same URI', '<sip:bob-x@127.0.0.1:5070>;expires=60', true],
  ['an unrelated parameter on one side only', '<sip:bob-x@127.0.0.1:5070;ob>', true],
  ['another user on the same port', '<sip:carol@127.0.0.1:5070>', false],
  ['another port', '<sip:bob-x@127.0.0.1:5071>', false],
  [
    'a transport parameter on one side only (§19.1.4: must appear in both)',
    '<sip:bob-x@127.0.0.1:5070;transport=tcp>',
    false,
  ],
  ['sips instead of sip', '<sips:bob-x@127.0.0.1:5070>', false],
])('%s', (_what, contact, match) => {
  expect(listed([parseNameAddr(contact)], bob)).toBe(match);
});

test('hosts compare case-insensitively (§19.1.4)', () => {
  expect(sameSipUri(parseUri('sip:bob@Example.COM:5070'), parseUri('sip:bob@example.com:5070'))).toBe(true);
});

test('user parts compare case-sensitively (§19.1.4)', () => {
  expect(sameSipUri(parseUri('sip:Bob@h'), parseUri('sip:bob@h'))).toBe(false);
});
