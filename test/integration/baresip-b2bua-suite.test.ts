/**
 * baresip 1.0's b2bua module as a real B2BUA SUT (issue 17): `sipconf run --sut scenarios/targets/baresip-b2bua/
 * profile.yaml` runs the INVITE, B2BUA and dialog checks that apply, the harness's callee listening at the profile's
 * trunk (baresip's `outbound="sip:NEXTHOP"`), one check at a time on it. B2BUA-NO-ACK-BYE waits 64·T1 = 32 s for
 * real (T1 = 500 ms, libre's), so this takes about a minute.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProfile } from '../../src/sut/profile';
import { ROOT, describeRun, readSummary, requireBinary, sipconf } from './sipconf-cli';

const PROFILE = path.join(ROOT, 'scenarios/targets/baresip-b2bua/profile.yaml');
/** What must pass against a B2BUA without registrar or digest (no `auth`) that terminates media (no `offer-relay`). */
const MUST_RUN = [
  'INVITE-2XX-ACK',
  'INVITE-BYE',
  'INVITE-CANCEL',
  'INVITE-NON2XX-ACK',
  'B2BUA-NEW-DIALOG',
  'B2BUA-ACKS-CALLEE-2XX',
  'B2BUA-BYE-FROM-CALLER',
  'B2BUA-BYE-FROM-CALLEE',
  'B2BUA-CANCEL',
  'B2BUA-NO-ACK-BYE',
  'DIALOG-REINVITE-HOLD',
  'DIALOG-UNKNOWN-481',
];

describe("baresip 1.0's b2bua module as the B2BUA SUT (RFC 3261 §9, §12–§15; RFC 3264 §8.4)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sipconf-baresip-b2bua-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the INVITE, B2BUA and dialog checks that apply pass (or are recorded deviations); sipconf exits 0', async () => {
    requireBinary('baresip');
    const profile = await loadProfile(PROFILE);
    const known = new Map(profile.expectedFailures.map((f) => [f.check, f]));
    const json = path.join(dir, 'b2bua.json');
    const r = await sipconf(
      [
        'run',
        '--sut',
        PROFILE,
        '--suite',
        'invite,b2bua,dialog',
        '--json',
        json,
        '--no-report',
        '--workers',
        '2',
        '--results-dir',
        path.join(dir, 'results'),
        '--reports-dir',
        dir,
      ],
      200_000,
    );
    const summary = readSummary(json);
    const why = describeRun(summary, r.stdout);
    for (const id of MUST_RUN) {
      const c = summary.checks.find((x) => x.id === id);
      if (!c) throw new Error(`${id} is missing from the summary:\n${why}`);
      if (known.has(id)) expect(c.message).toMatch(/^known deviation \(RFC \d+ §/);
      else if (c.status !== 'passed') throw new Error(`${id} ${c.status} against baresip's b2bua:\n${why}`);
    }
    // What does not apply says why: no digest (auth), a media terminator (offer-relay), proxy-only checks.
    const skipped = summary.checks.filter((c) => c.status === 'skipped');
    for (const c of skipped)
      expect(c.message).toMatch(/skipped: (the SUT profile does not claim|applies to SUT roles)/);
    if (r.code !== 0) throw new Error(`sipconf exited ${r.code}:\n${why}\n${r.stderr.slice(-2000)}`);
  }, 240_000);
});
