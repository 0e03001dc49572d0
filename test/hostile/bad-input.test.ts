/**
 * Bad input from users gives exit 2 and one clear line naming the fault (docs/architecture.md command contract): CLI
 * flags, SUT profiles, an unreachable SUT, missing SIPp / Kamailio binaries, a port in use. Each through the real
 * CLI as a child process, bounded.
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO, sipconf } from '../robustness/support/cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sipconf-badinput-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exit 2, exactly one line on stderr, matching `msg`, within `boundMs`. */
async function expectExit2(args: string[], msg: RegExp, boundMs = 20_000, env?: NodeJS.ProcessEnv): Promise<void> {
  const r = await sipconf(args, { timeoutMs: boundMs + 10_000, env });
  const lines = r.stderr.trim().split('\n').filter(Boolean);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(msg) });
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|at .*\.ts:\d+/);
  expect(r.ms).toBeLessThan(boundMs);
}

const runArgs = () => ['--no-report', '--results-dir', path.join(dir, 'r'), '--reports-dir', path.join(dir, 'p')];

describe('bad CLI flags → exit 2, one line', () => {
  test.each([
    [['run', '--t1', 'fast'], /--t1/],
    [['run', '--workers', '0'], /--workers/],
    [['run', '--shard', '3/2'], /--shard/],
    [['run', '--transport', 'sctp'], /argument 'sctp' is invalid/],
    [['run', '--bogus-flag'], /unknown option '--bogus-flag'/],
    [['run', '--target', 'not-an-address'], /not-an-address/],
    [['run', '--grep', 'NO-SUCH-CHECK-XYZ'], /no check matches the selection \(grep "NO-SUCH-CHECK-XYZ"\)/],
    [['run', '--fault', 'no-such-fault'], /no-such-fault/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])(
    'sipconf %j',
    async (args, msg) => {
      await expectExit2([...args, ...(args[0] === 'run' ? runArgs() : [])], msg);
    },
    40_000,
  );
});

describe('bad SUT profiles → exit 2, naming the file (and line)', () => {
  test('unknown key: file:line', async () => {
    const f = path.join(dir, 'bad-key.yaml');
    writeFileSync(
      f,
      'name: x\nrole: proxy\naddress: 127.0.0.1:5060\ndomain: 127.0.0.1\ntransports: [udp]\nfavourite_colour: blue\n',
    );
    await expectExit2(['run', '--sut', f, ...runArgs()], new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6`));
  }, 40_000);

  test('broken YAML: file:line', async () => {
    const f = path.join(dir, 'broken.yaml');
    writeFileSync(f, 'name: x\nrole: [proxy\naddress: 127.0.0.1:5060\n');
    await expectExit2(['run', '--sut', f, ...runArgs()], /broken\.yaml:\d+/);
  }, 40_000);

  test('a missing profile file', async () => {
    await expectExit2(['run', '--sut', path.join(dir, 'nope.yaml'), ...runArgs()], /nope\.yaml/);
  }, 40_000);

  test('a password from an unset environment variable names the variable', async () => {
    const f = path.join(dir, 'env.yaml');
    writeFileSync(
      f,
      'name: x\nrole: proxy\naddress: 127.0.0.1:5060\ndomain: 127.0.0.1\ntransports: [udp]\nusers:\n  - { user: alice, password: "${SIPCONF_TEST_UNSET_PASSWORD_XYZ}" }\n',
    );
    await expectExit2(['run', '--sut', f, ...runArgs()], /SIPCONF_TEST_UNSET_PASSWORD_XYZ/);
  }, 40_000);

  test('a managed SUT whose binary is missing (kamailio not installed)', async () => {
    const f = path.join(dir, 'missing-kamailio.yaml');
    writeFileSync(
      f,
      'name: kamailio-missing\nrole: proxy\naddress: 127.0.0.1:{port}\ndomain: 127.0.0.1\ntransports: [udp]\nstart: "kamailio-not-installed-xyz -DD -f {run}/k.cfg"\nready: options\nstartTimeoutMs: 3000\n',
    );
    await expectExit2(['run', '--sut', f, ...runArgs()], /kamailio-not-installed-xyz/);
  }, 40_000);
});

describe('the SUT and the machine', () => {
  test('an unreachable SUT (TCP port with no listener) → exit 2 "SUT unreachable"', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    await expectExit2(
      ['run', '--target', `127.0.0.1:${port}`, '--transport', 'tcp', ...runArgs()],
      /SUT unreachable: .*refused/,
    );
  }, 40_000);

  test('sipconf sipp without sip-tester installed → exit 2 naming what to install', async () => {
    await expectExit2(
      ['sipp', path.join(REPO, 'scenarios', 'sipp', 'uas.xml'), '--target', '127.0.0.1:5060'],
      /sipp|sip-tester/i,
      20_000,
      { PATH: path.dirname(process.execPath), SIPCONF_SIPP: '' },
    );
  }, 40_000);

  test('sipconf sut on a port already in use → exit 2 naming the port', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', r));
    const port = taken.address().port;
    const tcp = net.createServer();
    await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
    try {
      await expectExit2(['sut', '--port', String(port)], new RegExp(String(port)));
    } finally {
      taken.close();
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  }, 40_000);
});
