/**
 * Managed SUT lifecycle failures and helpers, with no real peer (the Kamailio that exits at start is in
 * kamailio.test.ts): a process that never answers, a missing binary, a template with an unknown placeholder; free
 * ports; command splitting.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { missingBinaryMessage } from '../../src/process/executables';
import { SutStartError, startManagedSut } from '../../src/sut/managed';
import { renderKnown, renderStrict, splitCommand } from '../../src/sut/placeholders';
import { errorExcerpt } from '../../src/sut/readiness';
import { ProfileError, loadProfile } from '../../src/sut/profile';

const fixture = (name: string) => path.join(__dirname, '../fixtures/profiles', name);

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startError(file: string): Promise<Error> {
  const profile = await loadProfile(fixture(file), {});
  try {
    const sut = await startManagedSut(profile);
    await sut.stop();
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${file} started`);
}

describe('managed SUT start failures', () => {
  test('a process that never answers OPTIONS → SutStartError after startTimeoutMs, and the process is killed', async () => {
    const t0 = performance.now();
    const e = await startError('never-ready.yaml');
    expect(e).toBeInstanceOf(SutStartError);
    expect(e.message).toMatch(
      /^silent-process never answered OPTIONS: (ICMP port unreachable|no answer to OPTIONS) .*127\.0\.0\.1:\d+/,
    );
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  test('the never-ready process does not survive the failed start', async () => {
    const profile = await loadProfile(fixture('never-ready.yaml'), {});
    const pids: number[] = [];
    const orig = process.kill;
    // Observe the group signalled by stop(): it must be gone afterwards.
    const spy = jest.spyOn(process, 'kill').mockImplementation((pid: number, sig?: string | number) => {
      if (pid < 0) pids.push(-pid);
      return orig.call(process, pid, sig);
    });
    try {
      await expect(startManagedSut(profile)).rejects.toBeInstanceOf(SutStartError);
    } finally {
      spy.mockRestore();
    }
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of new Set(pids)) expect(alive(pid)).toBe(false);
  });

  test('a missing binary → a clear error; known SUT binaries name their Debian package', async () => {
    const e = await startError('missing-binary.yaml');
    expect(e).toBeInstanceOf(SutStartError);
    expect(e.message).toBe('not-installed: cannot start: sipconf-no-such-binary is not installed or not executable');
    expect(missingBinaryMessage('kamailio')).toBe(
      'kamailio is not installed (Debian package: kamailio; apt-get install kamailio)',
    );
    expect(missingBinaryMessage('/opt/x/baresip')).toBe(
      'baresip is not installed (Debian package: baresip-core; apt-get install baresip-core)',
    );
  });

  test('an unknown placeholder in start: is a profile error that lists the known ones', async () => {
    const e = await startError('unknown-placeholder.yaml');
    expect(e).toBeInstanceOf(ProfileError);
    expect(e.message).toMatch(
      /unknown-placeholder\.yaml: start: unknown placeholder \{sleepSeconds\} \(known: \{dir\} \{run\} .*\{port\}/,
    );
  });

  test('ready: register without a listener hook is refused before anything starts', async () => {
    const profile = await loadProfile(path.join(__dirname, '../../scenarios/targets/baresip/profile.yaml'), {});
    await expect(startManagedSut(profile)).rejects.toThrow(
      /^baresip-1\.0: ready: register needs ManagedSutOptions\.waitForRegister/,
    );
  });

  test('the runtime dir is removed after a failed start', async () => {
    const profile = await loadProfile(fixture('broken-kamailio/profile.yaml'), {});
    const root = await mkdtemp(path.join(os.tmpdir(), 'sipconf-managed-test-'));
    try {
      await expect(startManagedSut(profile, { tmpRoot: root })).rejects.toBeInstanceOf(SutStartError);
      expect(await readdir(root)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('managed SUT helpers', () => {
  test('templates: strict rendering for commands, known-only for config files (Kamailio braces survive)', () => {
    expect(
      renderStrict(
        'kamailio -f {run}/k.cfg -l {host}:{port}',
        { run: '/tmp/r', host: '127.0.0.1', port: '5070' },
        'start',
      ),
    ).toBe('kamailio -f /tmp/r/k.cfg -l 127.0.0.1:5070');
    expect(() => renderStrict('x {nope}', { run: '/r' }, 'start')).toThrow(
      'start: unknown placeholder {nope} (known: {run})',
    );
    expect(renderKnown('request_route {\n\tif ($(ru{uri.port}) == "") { x({port}); }\n}', { port: '5070' })).toBe(
      'request_route {\n\tif ($(ru{uri.port}) == "") { x(5070); }\n}',
    );
  });

  test('splitCommand: words, quotes and escapes like a shell, no expansion', () => {
    expect(splitCommand(`kamailio -DD  -f "/tmp/a b/k.cfg" -A 'X=1 2' a\\ b ""`)).toEqual([
      'kamailio',
      '-DD',
      '-f',
      '/tmp/a b/k.cfg',
      '-A',
      'X=1 2',
      'a b',
      '',
    ]);
    expect(() => splitCommand('echo "open')).toThrow(/unterminated " in command/);
  });

  test('errorExcerpt prefers error lines and quotes them', () => {
    const log =
      ' 0(1) INFO: <core> starting\n 0(1) ERROR: <core> [core/sr_module.c:614]: load_module(): could not find module <nope>\n 0(1) CRITICAL: <core> bad config\n';
    expect(errorExcerpt(log)).toBe(
      '  |  0(1) ERROR: <core> [core/sr_module.c:614]: load_module(): could not find module <nope>\n  |  0(1) CRITICAL: <core> bad config',
    );
    expect(errorExcerpt('just one line\n')).toBe('  | just one line');
  });
});
