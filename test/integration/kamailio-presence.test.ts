/**
 * Kamailio 5.6 as a real presence server (RFC 6665 notifier with the presence and presence_xml modules on db_text,
 * co-located with a registrar and a record-routing proxy): `sipconf run --sut
 * scenarios/targets/kamailio-presence/profile.yaml` runs the subscribe, message, options and refer suites; every
 * applicable check passes, or fails as a known deviation the profile records (none today). The Kamailio proxy
 * profile meets the routing checks of these suites in kamailio-suite.test.ts, which runs every suite.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProfile } from '../../src/sut/profile';
import { ROOT, describeRun, readSummary, requireBinary, sipconf } from './sipconf-cli';

const PROFILE = path.join(ROOT, 'scenarios/targets/kamailio-presence/profile.yaml');
const SUITES = 'subscribe,message,options,refer';

test('Kamailio presence passes the subscribe, message, options and refer suites (RFC 6665, RFC 3428, RFC 3515)', async () => {
  requireBinary('kamailio');
  // Debian kamailio-presence-modules: without it Kamailio cannot start this profile.
  expect(existsSync('/usr/lib/x86_64-linux-gnu/kamailio/modules/presence.so')).toBe(true);
  const dir = mkdtempSync(path.join(tmpdir(), 'sipconf-kamailio-presence-'));
  try {
    const json = path.join(dir, 'summary.json');
    const r = await sipconf(
      ['run', '--sut', PROFILE, '--suite', SUITES, '--json', json, '--results-dir', path.join(dir, 'results')].concat([
        '--reports-dir',
        dir,
        '--no-report',
        '--workers',
        '4',
      ]),
      150_000,
    );
    const summary = readSummary(json);
    const why = describeRun(summary, r.stdout);
    const known = new Map((await loadProfile(PROFILE)).expectedFailures.map((f) => [f.check, f]));
    for (const c of summary.checks) {
      if (c.status === 'skipped') {
        // Only SUBSCRIBE-AUTH: this profile has no users, so it claims no auth.
        expect({ id: c.id, message: c.message }).toEqual({
          id: 'SUBSCRIBE-AUTH',
          message: expect.stringMatching(/^skipped: the SUT profile does not claim auth/),
        });
      } else if (known.has(c.id)) expect({ id: c.id, status: c.status }).toEqual({ id: c.id, status: 'failed' });
      else if (c.status !== 'passed') throw new Error(`${c.id} ${c.status} against Kamailio presence:\n${why}`);
    }
    const passed = new Set(summary.checks.filter((c) => c.status === 'passed').map((c) => c.id));
    for (const id of ['SUBSCRIBE-200-OK', 'SUBSCRIBE-TIMEOUT', 'SUBSCRIBE-481-ENDS', 'SUBSCRIBE-THROUGH-PROXY'])
      expect(passed).toContain(id);
    if (r.code !== 0) throw new Error(`sipconf exited ${r.code}, expected 0:\n${why}\n${r.stderr.slice(-2000)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
