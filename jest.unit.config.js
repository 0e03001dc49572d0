// `npm run test:unit`: the harness's own tests that need no real peer (no SIPp, Kamailio, baresip, tshark or
// Chromium), for a quick run on any machine. `npm test` runs everything (jest.config.js); the peer tests are listed
// in test/peer-tests.js (with the few slow ones, such as the tarball test).
const base = require('./jest.config');
const peers = require('./test/peer-tests');

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: [
    '/node_modules/',
    ...peers.folders.map((f) => `<rootDir>/${escapeRegExp(f)}`),
    ...Object.keys(peers.files).map((f) => `<rootDir>/${escapeRegExp(f)}$`),
    ...Object.keys(peers.slow).map((f) => `<rootDir>/${escapeRegExp(f)}$`),
  ],
};
