// The harness's own tests that need a real peer installed — SIPp (sip-tester), Kamailio, baresip, tshark or
// Chromium. `npm test` (what CI runs) runs them all; `npm run test:unit` (jest.unit.config.js) leaves these out and
// must pass on a machine with none of the peers. A new test that starts a peer goes under test/integration/ or on
// this list, with the peer it needs. Paths are relative to the repository root.
module.exports = {
  folders: ['test/integration/'],
  // Not peers, but tens of seconds to minutes each (end-to-end runs of whole suites through the CLI, npm pack):
  // `npm test` runs them, `npm run test:unit` stays a quick loop without them.
  slow: {
    'test/package/tarball.test.ts': 'npm pack, npm install into an empty project',
    'test/package/api-report.test.ts': 'API Extractor over the emitted declarations',
    'test/runner/fault-proof.test.ts': 'the suites against the reference SUT once per fault (about 50 runs)',
    'test/hostile/hostile-sut.test.ts': 'whole runs against silent and garbage-sending SUTs, each bounded by 64·T1',
    'test/runner/accounts-pool.test.ts': 'whole runs with an accounts pool in parallel workers',
    'test/agent/registrar-ua-checks.test.ts': 'the UA checks against scripted UAs, with RFC 5626 back-off waits',
    'test/report/shard-merge.test.ts': 'an unsharded run and three shards of the suites',
    'test/runner/run-cli.test.ts': 'whole sipconf run invocations',
  },
  files: {
    'test/agent/sipp-interop.test.ts': 'sipp',
    'test/load/bench-smoke.test.ts': 'sipp (the load bench compares with SIPp)',
    'test/load/load-tcp.test.ts': 'sipp (uas peer over TCP)',
    'test/report/pcap.test.ts': 'tshark (decodes the pcaps)',
    'test/report/report-browser.test.ts': 'chromium (opens the report)',
    'test/sipp/interrupt.test.ts': 'sipp',
    'test/sipp/locate.test.ts': 'sipp (finds the installed binary)',
    'test/sipp/run-sipp.test.ts': 'sipp',
    'test/sipp/sipp-checks.test.ts': 'sipp',
    'test/sipp/sipp-command.test.ts': 'sipp',
    'test/sipp/stats.test.ts': 'sipp (statistics of real runs)',
    'test/sipp/through-kamailio.test.ts': 'sipp, kamailio',
    'test/sut/baresip.test.ts': 'baresip',
    'test/sut/kamailio.test.ts': 'kamailio',
    'test/transport/kamailio-interop.test.ts': 'kamailio',
  },
};
