/**
 * Passwords never leave the harness (docs/architecture.md: "passwords never reach reports"): after real runs that
 * authenticate (RFC 3261 §22, digest), no file written — Allure results and attachments (ladder, trace text, pcap),
 * summary JSON, JUnit, the HTML report — and no console line holds the password. The digest response is fine.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ReferenceSut } from '../../src/sut/reference';
import { sipconf } from './support/cli';

/** The embedded SUT's account (src/runner/sut-setup.ts EMBEDDED_USER). */
const EMBEDDED_PASSWORD = 'embedded-reference-secret';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Files (and encodings) in which `secret` appears: raw bytes, UTF-16, base64 and hex. */
function leaks(dir: string, secret: string): string[] {
  const needles = [
    Buffer.from(secret),
    Buffer.from(secret, 'utf16le'),
    Buffer.from(Buffer.from(secret).toString('base64').slice(0, 16)),
    Buffer.from(Buffer.from(secret).toString('hex')),
  ];
  return filesUnder(dir).filter((f) => {
    const data = readFileSync(f);
    return needles.some((n) => data.includes(n));
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sipconf-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('the embedded SUT suites (invite, register: digest auth) leave no trace of the password in any file written', async () => {
  const results = path.join(dir, 'results');
  const reports = path.join(dir, 'reports');
  const r = await sipconf(
    [
      'run',
      '--suite',
      'invite,register',
      '--results-dir',
      results,
      '--reports-dir',
      reports,
      '--json',
      path.join(dir, 'out.json'),
    ],
    { timeoutMs: 240_000 },
  );
  expect(r.code).toBe(0);
  const summary = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')) as {
    target: string;
    checks: Array<{ id: string; status: string }>;
  };
  // The run did authenticate, on loopback.
  expect(summary.checks.find((c) => c.id === 'REGISTER-AUTH')?.status).toBe('passed');
  expect(summary.target).toMatch(/127\.0\.0\.1/);
  const written = filesUnder(dir);
  expect(written.length).toBeGreaterThan(20);
  expect(written.some((f) => f.endsWith('.pcap') || /attachment/.test(f))).toBe(true);
  expect(written.some((f) => f.endsWith('junit.xml'))).toBe(true);
  expect(written.some((f) => f.endsWith('index.html'))).toBe(true);
  expect(leaks(dir, EMBEDDED_PASSWORD)).toEqual([]);
  expect(r.stdout + r.stderr).not.toContain(EMBEDDED_PASSWORD);
}, 300_000);

test('a password from the environment (${VAR} in a profile) reaches no file and no console line', async () => {
  const secret = `env-secret-${process.pid}-${Date.now()}`;
  const sut = await ReferenceSut.start({ users: [{ user: '*', password: secret }], timers: { t1: 100 } });
  try {
    const profile = path.join(dir, 'profile.yaml');
    const a = sut.address('udp');
    writeFileSync(
      profile,
      `name: env-auth\nrole: proxy\naddress: 127.0.0.1:${a.port}\ndomain: 127.0.0.1\ntransports: [udp]\ncapabilities: [registrar, auth]\nusers:\n  - { user: "*", password: "\${SIPCONF_TEST_SECRET_PW}" }\ntimers: { t1: 100 }\n`,
    );
    const r = await sipconf(
      [
        'run',
        '--sut',
        profile,
        '--grep',
        'REGISTER-AUTH',
        '--no-report',
        '--results-dir',
        path.join(dir, 'results'),
        '--reports-dir',
        path.join(dir, 'reports'),
        '--json',
        path.join(dir, 'out.json'),
      ],
      {
        timeoutMs: 120_000,
        env: { SIPCONF_TEST_SECRET_PW: secret },
      },
    );
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'out.json'), 'utf8')).toMatch(/"REGISTER-AUTH"[\s\S]*"passed"/);
    // The digest was really computed with it: the SUT accepted the retry (RFC 3261 §22.4), and its trace holds the
    // Authorization header with a response but never the password.
    expect(
      sut.trace.entries.some((e) =>
        /Authorization: Digest .*response="[0-9a-f]{32,64}"/.test(e.data.toString('latin1')),
      ),
    ).toBe(true);
    expect(filesUnder(dir).length).toBeGreaterThan(5);
    expect(leaks(dir, secret)).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(secret);
  } finally {
    await sut.close();
  }
}, 180_000);

test('the leak search is not blind: it finds a planted password in raw, UTF-16 and hex form', () => {
  const secret = 'planted-password-42';
  writeFileSync(path.join(dir, 'raw.txt'), `x ${secret} y`);
  writeFileSync(path.join(dir, 'u16.bin'), Buffer.from(`..${secret}..`, 'utf16le'));
  writeFileSync(path.join(dir, 'hex.txt'), Buffer.from(secret).toString('hex'));
  writeFileSync(path.join(dir, 'clean.txt'), 'nothing here');
  expect(
    leaks(dir, secret)
      .map((f) => path.basename(f))
      .sort(),
  ).toEqual(['hex.txt', 'raw.txt', 'u16.bin']);
});
