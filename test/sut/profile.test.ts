/**
 * SUT profile loading (docs/architecture.md "SUT profile"): schema validation with file:line:col for every problem,
 * ${VAR} from the environment, secrets for masking, and the shipped Kamailio/baresip profiles.
 */
import path from 'node:path';
import { ProfileError, expectedFailureFor, loadProfile, parseProfile, profileEndpoints } from '../../src/sut/profile';

const FIX = path.join(__dirname, '../fixtures/profiles');
const fixture = (name: string) => path.join(FIX, name);

async function profileError(file: string, env: NodeJS.ProcessEnv = {}): Promise<ProfileError> {
  try {
    await loadProfile(file, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    return e as ProfileError;
  }
  throw new Error(`${file} loaded without error`);
}

describe('SUT profile loader', () => {
  test('a minimal proxy profile gets the documented defaults', async () => {
    const p = await loadProfile(fixture('minimal-proxy.yaml'), {});
    expect(p).toMatchObject({
      name: 'some-proxy',
      role: 'proxy',
      address: '127.0.0.1:5070',
      transports: ['udp'],
      capabilities: [],
      timers: { t1: 500, t2: 4000, t4: 5000 },
      ready: 'options',
      startTimeoutMs: 10000,
      stop: { signal: 'SIGTERM', graceMs: 3000 },
      expectedFailures: [],
      secrets: [],
    });
    expect(p.dir).toBe(FIX);
    expect(profileEndpoints(p).address).toEqual({ address: '127.0.0.1', port: 5070 });
  });

  test('${VAR} reads the environment, $$ is a literal $, passwords become secrets', async () => {
    const p = await loadProfile(fixture('env-users.yaml'), {
      SIPCONF_FIXTURE_ALICE: 'a-secret',
      SIPCONF_FIXTURE_BOB: 'b-secret',
    });
    expect(p.users).toEqual([
      { user: 'alice', password: 'a-secret' },
      { user: 'bob', password: 'pre-${literal}-b-secret' },
    ]);
    expect(p.secrets.sort()).toEqual(['a-secret', 'pre-${literal}-b-secret']);
    expect(p.timers).toEqual({ t1: 250, t2: 4000, t4: 5000 });
    expect(profileEndpoints(p).address).toEqual({ address: '::1', port: 5080 });
    expect(expectedFailureFor(p, 'REGISTER-MIN-EXPIRES')).toMatchObject({ rfc: 'RFC 3261 §10.3' });
    expect(expectedFailureFor(p, 'INVITE-2XX-ACK')).toBeUndefined();
  });

  test('a missing environment variable names the variable and its line', async () => {
    const e = await profileError(fixture('env-users.yaml'), { SIPCONF_FIXTURE_ALICE: 'x' });
    expect(e.issues).toHaveLength(1);
    expect(e.line).toBe(9);
    expect(e.message).toBe(`${fixture('env-users.yaml')}:9:45: environment variable SIPCONF_FIXTURE_BOB is not set`);
  });

  test('every schema error is reported with file:line:col, sorted by line', async () => {
    const e = await profileError(fixture('bad-keys.yaml'));
    const lines = e.message.split('\n').map((l) => l.slice(fixture('bad-keys.yaml').length + 1));
    expect(lines).toEqual([
      '2:7: role: "proxi" is not one of "proxy", "registrar", "b2bua", "ua"',
      '3:10: address: "127.0.0.1:50x0" has the wrong form (e.g. 127.0.0.1:5060, [::1]:5060, 127.0.0.1:{port})',
      '4:19: transports.1: "sctp" is not one of "udp", "tcp", "tls"',
      '7:31: environment variable SIPCONF_TEST_UNSET_PASSWORD is not set',
      '8:20: unknown key "t3" in timers (allowed: t1, t2, t4, timerB, timerF)',
      expect.stringMatching(/^9:1: unknown key "colour" \(allowed: name, role, address, .*expectedFailures\)$/),
    ]);
    expect(e.file).toBe(fixture('bad-keys.yaml'));
    expect(e.line).toBe(2);
  });

  test('YAML syntax errors point at the line', async () => {
    const e = await profileError(fixture('bad-yaml.yaml'));
    expect(e.line).toBeGreaterThanOrEqual(3);
    expect(e.message).toMatch(/bad-yaml\.yaml:\d+:\d+: YAML: /);
  });

  test('role-specific required keys, placeholders outside a managed SUT, ready: register outside role ua', async () => {
    const ua = await profileError(fixture('ua-without-listen.yaml'));
    expect(ua.message).toMatch(/ua-without-listen\.yaml:1:1: missing required key "listen"/);
    const ph = await profileError(fixture('placeholder-unmanaged.yaml'));
    expect(ph.message).toMatch(
      /placeholder-unmanaged\.yaml:3:10: address: placeholder in "127\.0\.0\.1:\{port\}" is only filled in for a managed SUT/,
    );
    expect(() =>
      parseProfile('name: x\nrole: proxy\naddress: 127.0.0.1:5060\nready: register\n', '/tmp/x.yaml'),
    ).toThrow(/x\.yaml:4:8: ready: register applies to role ua only/);
  });

  test('duplicate keys, an empty file and an unreadable file are clear errors', async () => {
    expect(() => parseProfile('name: a\nname: b\nrole: proxy\naddress: 127.0.0.1:1\n', '/tmp/dup.yaml')).toThrow(
      /dup\.yaml:2:1: YAML: .*[Uu]nique/,
    );
    expect(() => parseProfile('', '/tmp/empty.yaml')).toThrow(/empty\.yaml:1: the profile is empty/);
    const e = await profileError(fixture('no-such-profile.yaml'));
    expect(e.message).toMatch(/no-such-profile\.yaml: cannot read SUT profile: ENOENT/);
  });

  test('the shipped Kamailio and baresip profiles are valid', async () => {
    const k = await loadProfile(path.join(__dirname, '../../scenarios/targets/kamailio/profile.yaml'), {});
    expect(k).toMatchObject({ role: 'proxy', ready: 'options', allFlowsFailedStatus: 480, transports: ['udp', 'tcp'] });
    expect(k.capabilities).toEqual(expect.arrayContaining(['outbound', 'path']));
    const b = await loadProfile(path.join(__dirname, '../../scenarios/targets/baresip/profile.yaml'), {});
    expect(b).toMatchObject({ role: 'ua', ready: 'register', transports: ['tcp'] });
    expect(b.secrets).toEqual(['sipconf-baresip']);
  });
});
