/** The project's own SIP messages (test/fixtures/messages): run on every test run, corpus or not. */
import { FIXTURE_DIR, FIXTURE_EXPECTATIONS } from './fixtures-expectations';
import { manifestSuite } from './support/manifest-suite';

describe('own fixtures: RFC 3261 §7/§25 features, RFC 5118 IPv6, RFC 5626 Contact params (test/fixtures/messages)', () => {
  manifestSuite(FIXTURE_DIR, FIXTURE_EXPECTATIONS);
});
