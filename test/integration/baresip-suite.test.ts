/**
 * baresip 1.0 in the loop as the user-agent SUT: `sipconf run --sut scenarios/targets/baresip/profile.yaml` runs the
 * OUTBOUND-UA checks, each against a fresh baresip the harness starts (registering with that check's registrar),
 * in parallel. The RFC 5626 §4.4.1 keep-alive timing and §4.5 back-offs are waited out for real (up to 20 + 10 + 60 s), so this takes one and a half to two minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProfile } from '../../src/sut/profile';
import { ROOT, describeRun, readSummary, requireBinary, sipconf } from './sipconf-cli';

const PROFILE = path.join(ROOT, 'scenarios/targets/baresip/profile.yaml');
const UA_CHECKS = [
  'UA-REGISTER-ACCEPTED',
  'UA-REREGISTER-AFTER-FLOW-FAILURE',
  'UA-REREGISTER-AFTER-430',
  'UA-KEEPALIVE-FAILURE',
  'UA-ACKS-2XX',
];

describe('baresip 1.0 as the user-agent SUT of the OUTBOUND-UA suite (RFC 3261 §10.2, §13.2.2.4; RFC 5626 §4.4–§4.5)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sipconf-baresip-suite-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every OUTBOUND-UA check passes (or is a recorded known deviation), each against its own fresh baresip, in parallel', async () => {
    requireBinary('baresip');
    const profile = await loadProfile(PROFILE);
    const known = new Map(profile.expectedFailures.map((f) => [f.check, f]));
    const json = path.join(dir, 'baresip.json');
    const r = await sipconf(
      [
        'run',
        '--sut',
        PROFILE,
        '--suite',
        'outbound-ua',
        '--json',
        json,
        '--results-dir',
        path.join(dir, 'results'),
        '--reports-dir',
        dir,
        '--no-report',
        '--workers',
        '4',
      ],
      200_000,
    );
    const summary = readSummary(json);
    const why = describeRun(summary, r.stdout);
    for (const id of UA_CHECKS) {
      const c = summary.checks.find((x) => x.id === id);
      if (!c) throw new Error(`${id} is missing from the summary:\n${why}`);
      if (known.has(id)) expect(c.message).toMatch(/^known deviation \(RFC \d+ §/);
      else if (c.status !== 'passed') throw new Error(`${id} ${c.status} against baresip:\n${why}`);
    }
    expect(summary.checks.map((c) => c.id).sort()).toEqual([...UA_CHECKS].sort());
    // The honest back-off waits: the flow-failure and 430 checks each take at least the UA's retry delay.
    const flow = summary.checks.find((x) => x.id === 'UA-REREGISTER-AFTER-FLOW-FAILURE')!;
    expect(flow.durationMs).toBeGreaterThan(15_000);
    if (r.code !== 0) throw new Error(`sipconf exited ${r.code}:\n${why}\n${r.stderr.slice(-2000)}`);
  }, 240_000);

  test('without baresip on PATH, sipconf run exits 2 before any check, naming the Debian package', async () => {
    const r = await sipconf(
      [
        'run',
        '--sut',
        PROFILE,
        '--suite',
        'outbound-ua',
        '--no-report',
        '--results-dir',
        path.join(dir, 'nobin'),
        '--reports-dir',
        path.join(dir, 'nobin'),
      ],
      60_000,
      { PATH: '/nonexistent' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/baresip is not installed \(Debian package: baresip-core/);
  }, 90_000);
});
