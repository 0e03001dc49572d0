/**
 * test/peer-tests.js names the tests `npm run test:unit` leaves out because they need a real peer. A renamed or
 * removed test must not linger there (nor would a renamed peer test be excluded any more): every entry exists, and
 * the unit configuration excludes exactly those.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS file jest also loads
const peers = require('../peer-tests') as {
  folders: string[];
  files: Record<string, string>;
  slow: Record<string, string>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS file jest also loads
const unit = require('../../jest.unit.config') as { testPathIgnorePatterns: string[] };

test('every listed peer test exists and names the peer it needs', () => {
  for (const f of peers.folders) expect(existsSync(path.join(ROOT, f))).toBe(true);
  for (const [f, peer] of Object.entries(peers.files)) {
    expect({ f, exists: existsSync(path.join(ROOT, f)) }).toEqual({ f, exists: true });
    expect(peer).toMatch(/sipp|kamailio|baresip|tshark|chromium/);
  }
});

test('the unit configuration ignores the listed tests and nothing else', () => {
  const ignored = (file: string) =>
    unit.testPathIgnorePatterns.some((p) => new RegExp(p.replace('<rootDir>', ROOT)).test(path.join(ROOT, file)));
  for (const f of [...Object.keys(peers.files), ...Object.keys(peers.slow)]) {
    expect({ f, exists: existsSync(path.join(ROOT, f)) }).toEqual({ f, exists: true });
    expect({ f, ignored: ignored(f) }).toEqual({ f, ignored: true });
  }
  expect(ignored('test/integration/kamailio-suite.test.ts')).toBe(true);
  expect(ignored('test/sip/builders.test.ts')).toBe(false);
  expect(ignored('test/transport/loopback.test.ts')).toBe(false);
});
