/**
 * A PBX's accounts pool (issue 17): the profile keys, the lock-file leases that never give one account to two
 * checks at once, and `sipconf run` against the reference SUT in strict-accounts mode (each account may register
 * only its own AOR with its own password) — the REGISTER and INVITE suites in parallel workers with no false
 * failure, a pool too small stopped before any check runs (exit 2), and rejected credentials reported as setup.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LockFileLeases } from '../../src/runner/account-leases';
import { ProfileError, parseProfile } from '../../src/sut/profile';
import { ReferenceSut } from '../../src/sut/reference';
import { Summary, sipconf } from '../integration/sipconf-cli';

const ACCOUNTS = [1001, 1002, 1003, 1004].map((n) => ({ user: String(n), password: `pw-${n}-secret` }));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sipconf-accounts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lock-file leases', () => {
  test('two leasers (as two workers) never hold one account at once; the second waits, bounded', async () => {
    const a = new LockFileLeases(path.join(dir, 'leases'), ACCOUNTS.slice(0, 3));
    const b = new LockFileLeases(path.join(dir, 'leases'), ACCOUNTS.slice(0, 3));
    const first = await a.acquire(['alice', 'bob'], 1000);
    expect([...first.byParty.values()].map((x) => x.user)).toEqual(['1001', '1002']);
    await expect(b.acquire(['alice', 'bob'], 200)).rejects.toThrow(/no 2 free account\(s\) of the pool of 3/);
    const one = await b.acquire(['carol'], 200);
    expect(one.byParty.get('carol')!.user).toBe('1003');
    const waiting = b.acquire(['alice', 'bob'], 2000);
    setTimeout(() => first.release(), 100);
    const second = await waiting;
    expect([...second.byParty.values()].map((x) => x.user).sort()).toEqual(['1001', '1002']);
    second.release();
    one.release();
  });

  test('a lock left by a process that is gone is taken over; the trunk is one check at a time', async () => {
    const leases = new LockFileLeases(path.join(dir, 'leases'), ACCOUNTS.slice(0, 1));
    writeFileSync(path.join(dir, 'leases', 'account-0.lock'), '999999999');
    const got = await leases.acquire(['bob'], 500);
    expect(got.byParty.get('bob')!.user).toBe('1001');
    const release = await leases.acquireTrunk(200);
    await expect(leases.acquireTrunk(150)).rejects.toThrow(/trunk next hop stayed busy/);
    release();
    (await leases.acquireTrunk(200))();
    await expect(leases.acquire(['a', 'b'], 100)).rejects.toThrow(/pool has 1 account\(s\); this check needs 2/);
  });
});

describe('profile accounts', () => {
  test('accounts: and accountsCsv: give the pool; passwords become secrets', () => {
    const inline = parseProfile(
      'name: pbx\nrole: proxy\naddress: 127.0.0.1:5060\naccounts:\n  - { user: "1001", password: s1, aor: "sip:1001@pbx.test" }\n',
      path.join(dir, 'p.yaml'),
    );
    expect(inline.accounts).toEqual([{ user: '1001', password: 's1', aor: 'sip:1001@pbx.test' }]);
    expect(inline.secrets).toContain('s1');
    writeFileSync(path.join(dir, 'accounts.csv'), 'SEQUENTIAL\n# comment\n1001;s1\n1002;s2;auth2\n');
    const csv = parseProfile(
      'name: pbx\nrole: proxy\naddress: 127.0.0.1:5060\naccountsCsv: accounts.csv\n',
      path.join(dir, 'p.yaml'),
    );
    expect(csv.accounts).toEqual([
      { user: '1001', password: 's1' },
      { user: '1002', password: 's2', authUser: 'auth2' },
    ]);
    expect(csv.secrets).toEqual(expect.arrayContaining(['s1', 's2']));
  });

  test('bad accounts are errors at file:line', () => {
    writeFileSync(path.join(dir, 'bad.csv'), 'SEQUENTIAL\n1001;s1\n1002\n1001;again\n');
    const err = (text: string) => {
      try {
        parseProfile(text, path.join(dir, 'p.yaml'));
      } catch (e) {
        expect(e).toBeInstanceOf(ProfileError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    const csvErr = err('name: pbx\nrole: proxy\naddress: 127.0.0.1:5060\naccountsCsv: bad.csv\n');
    expect(csvErr).toContain(`${path.join(dir, 'bad.csv')}:3: an account line is user;password`);
    expect(csvErr).toContain(`${path.join(dir, 'bad.csv')}:4: account 1001 is listed twice`);
    expect(err('name: pbx\nrole: proxy\naddress: 127.0.0.1:5060\naccounts:\n  - { user: "1001" }\n')).toMatch(
      /p\.yaml:5:\d+: missing required key "password" in accounts\.0/,
    );
    expect(
      err(
        'name: pbx\nrole: proxy\naddress: 127.0.0.1:5060\naccounts: [{ user: a, password: b }]\naccountsCsv: x.csv\n',
      ),
    ).toMatch(/p\.yaml:5:\d+: give accounts or accountsCsv, not both/);
    expect(err('name: pbx\nrole: proxy\naddress: 127.0.0.1:5060\ntrunk: nowhere\n')).toMatch(/p\.yaml:4:\d+: trunk/);
  });
});

describe('sipconf run with an accounts pool against the strict-accounts reference SUT', () => {
  let sut: ReferenceSut;
  beforeAll(async () => {
    sut = await ReferenceSut.start({ accounts: ACCOUNTS, timers: { t1: 100 }, minExpires: 60 });
  });
  afterAll(() => sut.close());

  function profile(accounts: Array<{ user: string; password: string }>, target = sut, role = 'proxy'): string {
    const file = path.join(dir, 'pbx.yaml');
    const lines = accounts.map((a) => `  - { user: "${a.user}", password: "${a.password}" }`).join('\n');
    const a = target.address('udp');
    writeFileSync(
      file,
      `name: strict-pbx\nrole: ${role}\naddress: ${a.address}:${a.port}\ntransports: [udp]\n` +
        `capabilities: [registrar, auth, min-expires${role === 'b2bua' ? ', offer-relay' : ''}]\nminExpires: 60\ntimers: { t1: 100 }\naccounts:\n${lines}\n`,
    );
    return file;
  }

  test('the REGISTER and INVITE suites pass in 2 workers: 0 false failures', async () => {
    const json = path.join(dir, 'summary.json');
    const r = await sipconf(
      [
        'run',
        '--sut',
        profile(ACCOUNTS),
        '--suite',
        'register,invite',
        '--workers',
        '2',
        '--no-report',
        '--json',
        json,
        '--results-dir',
        path.join(dir, 'results'),
        '--reports-dir',
        path.join(dir, 'reports'),
      ],
      120_000,
    );
    const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
    const bad = summary.checks.filter((c) => c.status === 'failed' || c.status === 'broken');
    expect(bad.map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(r.code).toBe(0);
    const ran = summary.checks.filter((c) => c.status === 'passed').map((c) => c.id);
    expect(ran).toEqual(expect.arrayContaining(['REGISTER-AUTH', 'REGISTER-MULTI', 'INVITE-2XX-ACK', 'INVITE-BYE']));
    expect(readFileSync(json, 'utf8')).not.toContain('pw-1001-secret');
    expect(sut.bindings()).toEqual([]); // every check's bindings removed between checks
  }, 150_000);

  test('as a B2BUA: the REGISTER, INVITE, B2BUA and dialog suites pass in 2 workers, callers authenticated by account', async () => {
    const pbx = await ReferenceSut.start({ role: 'b2bua', accounts: ACCOUNTS, timers: { t1: 100 }, minExpires: 60 });
    try {
      const json = path.join(dir, 'summary.json');
      const r = await sipconf(
        [
          'run',
          '--sut',
          profile(ACCOUNTS, pbx, 'b2bua'),
          '--suite',
          'register,invite,b2bua,dialog',
          '--workers',
          '2',
          '--no-report',
          '--json',
          json,
          '--results-dir',
          path.join(dir, 'results'),
          '--reports-dir',
          path.join(dir, 'reports'),
        ],
        150_000,
      );
      const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
      const bad = summary.checks.filter((c) => c.status === 'failed' || c.status === 'broken');
      expect(bad.map((c) => `${c.id}: ${c.message}`)).toEqual([]);
      expect(r.code).toBe(0);
      const passed = summary.checks.filter((c) => c.status === 'passed').map((c) => c.id);
      expect(passed).toEqual(
        expect.arrayContaining(['B2BUA-AUTH-INVITE', 'B2BUA-AUTH-WRONG-PASSWORD', 'DIALOG-GLARE-491']),
      );
      expect(pbx.bindings()).toEqual([]);
    } finally {
      await pbx.close();
    }
  }, 180_000);

  test('a pool too small for a selected check stops the run before any check (exit 2)', async () => {
    const r = await sipconf(
      [
        'run',
        '--sut',
        profile(ACCOUNTS.slice(0, 1)),
        '--suite',
        'invite',
        '--no-report',
        '--results-dir',
        path.join(dir, 'results'),
        '--reports-dir',
        path.join(dir, 'reports'),
      ],
      30_000,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/accounts pool has 1 account\(s\), but INVITE-\S+ needs 2 \(alice, bob\)/);
  }, 40_000);

  test("an account the SUT rejects is reported broken as setup, not as the SUT's non-conformance", async () => {
    const json = path.join(dir, 'summary.json');
    const wrong = [{ user: '1001', password: 'not-the-password' }];
    const r = await sipconf(
      [
        'run',
        '--sut',
        profile(wrong),
        '--grep',
        'REGISTER-200-OK',
        '--no-report',
        '--json',
        json,
        '--results-dir',
        path.join(dir, 'results'),
        '--reports-dir',
        path.join(dir, 'reports'),
      ],
      60_000,
    );
    expect(r.code).toBe(1);
    const check = (JSON.parse(readFileSync(json, 'utf8')) as Summary).checks[0]!;
    expect(check.status).toBe('broken');
    expect(check.message).toMatch(/^setup — the SUT rejected account 1001's credentials \(401 to its own REGISTER/);
  }, 70_000);
});
