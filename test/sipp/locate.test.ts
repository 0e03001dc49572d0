import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateSipp, SippNotFoundError } from '../../src/sipp/locate';
import { runSipp } from '../../src/sipp/run-sipp';

describe('locating SIPp (Debian package sip-tester)', () => {
  test('finds the installed sipp on PATH (a missing sipp fails here: install sip-tester)', () => {
    expect(locateSipp()).toMatch(/\/sipp$/);
  });

  test('a non-existent path gives an error naming the package sip-tester', () => {
    let err: unknown;
    try {
      locateSipp({ binary: '/nonexistent/dir/sipp' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SippNotFoundError);
    expect((err as Error).message).toMatch(/"sip-tester"/);
    expect((err as Error).message).toMatch(/\/nonexistent\/dir\/sipp/);
  });

  test('a name not on PATH gives the same message', () => {
    expect(() => locateSipp({ binary: 'sipp', path: '/nonexistent-a:/nonexistent-b' })).toThrow(
      /apt-get install sip-tester/,
    );
  });

  test('a file that is not executable is not SIPp', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-locate-'));
    try {
      writeFileSync(join(dir, 'sipp'), 'not a binary', { mode: 0o644 });
      expect(() => locateSipp({ binary: join(dir, 'sipp') })).toThrow(SippNotFoundError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('runSipp with the locator pointed at a missing binary rejects with the sip-tester message, starting nothing', async () => {
    await expect(runSipp({ builtin: 'uac', target: '127.0.0.1:9', binary: '/nonexistent/sipp' })).rejects.toThrow(
      /sip-tester/,
    );
  });
});
