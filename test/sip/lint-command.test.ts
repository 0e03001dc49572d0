/** `sipconf lint [--json] FILE|-` (docs/architecture.md): exit 0 valid, 1 invalid, 2 unreadable or bad usage. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli as run } from '../support/cli';
import { FIXTURE_DIR } from './fixtures-expectations';

const ROOT = resolve(__dirname, '..', '..');

describe('sipconf lint (RFC 3261 §7, §8.1.1, §25)', () => {
  test('a valid message: exit 0, human output says valid with its method', async () => {
    const r = await run(['lint', join(FIXTURE_DIR, 'register-outbound.sip')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/register-outbound\.sip: valid REGISTER request \(0 error\(s\), 0 warning\(s\)\)/);
  });

  test('a malformed message: exit 1, the line and the fault named', async () => {
    const file = join(FIXTURE_DIR, 'q-value-above-one.sip');
    const r = await run(['lint', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:8: error (syntax): Contact: bad q value "1.5"`);
  });

  test('missing mandatory content: exit 1 with a semantic error naming the header', async () => {
    const r = await run(['lint', join(FIXTURE_DIR, 'no-call-id.sip')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/:9: error \(semantic\): missing mandatory Call-ID header \(RFC 3261 §8\.1\.1/);
  });

  test('--json gives valid, kind, method/status, errors and warnings with line and kind', async () => {
    const r = await run(['lint', '--json', join(FIXTURE_DIR, 'duplicate-from.sip')]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ valid: false, kind: 'request', method: 'OPTIONS', warnings: [] });
    expect(j.errors).toEqual([
      { message: expect.stringMatching(/^duplicate From header \(first on line 4\)/), line: 7, kind: 'semantic' },
    ]);
    expect(j.status).toBeUndefined();
    const ok = JSON.parse((await run(['lint', '--json', join(FIXTURE_DIR, 'challenge-401.sip')])).out);
    expect(ok).toEqual({ valid: true, kind: 'response', status: 401, errors: [], warnings: [] });
  });

  test('a status code outside 1xx-6xx is invalid: 700 has no response class (RFC 3261 §7.2, §21)', async () => {
    const head = (code: number) =>
      `SIP/2.0 ${code} Odd\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-c${code}\r\nFrom: <sip:a@example.org>;tag=1\r\n` +
      `To: <sip:b@example.org>;tag=2\r\nCall-ID: c${code}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-lint-'));
    try {
      for (const code of [700, 999]) {
        const f = join(dir, `status-${code}.sip`);
        writeFileSync(f, head(code));
        const r = await run(['lint', f]);
        expect(r.code).toBe(1);
        expect(r.out).toContain(
          `${f}:1: error (semantic): status code ${code} is in no response class: only 1xx-6xx exist (RFC 3261 §7.2, §21)`,
        );
      }
      // 699 is an unknown code of a known class (6xx): valid, a receiver treats it as 600 (§8.1.3.2, §21).
      const f = join(dir, 'status-699.sip');
      writeFileSync(f, head(699));
      expect((await run(['lint', f])).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('warnings alone keep exit 0 (Max-Forwards 0 is legal at the target, RFC 3261 §16.3)', async () => {
    const r = await run(['lint', '--json', join(FIXTURE_DIR, 'max-forwards-zero.sip')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.valid).toBe(true);
    expect(j.warnings[0]).toMatchObject({
      line: 3,
      kind: 'semantic',
      message: expect.stringContaining('Max-Forwards is 0'),
    });
  });

  test('an unparseable start line: exit 1, kind unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-lint-'));
    try {
      const f = join(dir, 'junk.sip');
      writeFileSync(f, 'HELLO WORLD\r\n\r\n');
      const r = await run(['lint', '--json', f]);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.out)).toMatchObject({ valid: false, kind: 'unknown', errors: [{ line: 1, kind: 'syntax' }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('unreadable file, empty file and missing argument: exit 2 with a one-line reason', async () => {
    const missing = await run(['lint', '/nonexistent/x.sip']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read \/nonexistent\/x\.sip: ENOENT/);
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-lint-'));
    try {
      const f = join(dir, 'empty.sip');
      writeFileSync(f, '');
      const empty = await run(['lint', f]);
      expect(empty.code).toBe(2);
      expect(empty.err).toMatch(/is empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await run(['lint'])).code).toBe(2);
    expect((await run(['lint', '--bogus', 'x'])).code).toBe(2);
  });

  test('reads stdin with "-" (real process, exit code from the binary)', () => {
    const bytes = readFileSync(join(FIXTURE_DIR, 'invite-folded-compact.sip'));
    const p = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'lint', '--json', '-'], {
      input: bytes,
      cwd: ROOT,
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(p.status).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ valid: true, kind: 'request', method: 'INVITE' });
    const bad = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'lint', '-'], {
      input: 'INVITE  sip:a@b SIP/2.0\r\n\r\n',
      cwd: ROOT,
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/<stdin>:1: error \(syntax\): request line .* single spaces/);
  }, 120_000);
});
