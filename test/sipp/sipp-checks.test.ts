/**
 * The `sipp` suite end to end: `sipconf run --suite sipp` in a child process against the embedded reference SUT,
 * with real SIPp 3.6.1. Every check passes against the conformant SUT and its Allure result carries SIPp's
 * statistics and logs; each fails, citing its RFC section, against the SUT defect it guards; a missing sipp binary
 * fails the run naming the Debian package. Also the challenge filter that lets SIPp 3.6.1 answer RFC 8760
 * multi-algorithm challenges.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { keepSippChallenges } from '../../src/sipp/challenge-relay';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sipconf');

interface Outcome {
  code: number | null;
  out: string;
  err: string;
  summary: {
    totals: Record<string, number>;
    checks: Array<{ id: string; status: string; message?: string; durationMs: number }>;
  };
  results: Array<{ name: string; status: string; attachments: string[] }>;
}

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sipconf-sipp-checks-'));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

/** Every attachment name of an Allure result, steps included. */
function attachmentNames(node: { attachments?: Array<{ name: string }>; steps?: unknown[] }): string[] {
  const own = (node.attachments ?? []).map((a) => a.name);
  return own.concat(...((node.steps ?? []) as Array<typeof node>).map(attachmentNames));
}

/** Runs `sipconf run` as a child with its own results dir, killed (whole group) if it passes `boundMs`. */
function sipconfRun(name: string, args: string[], env: NodeJS.ProcessEnv = {}, boundMs = 100_000): Promise<Outcome> {
  const dir = join(base, name);
  const resultsDir = join(dir, 'allure-results');
  const json = join(dir, 'summary.json');
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--suite',
        'sipp',
        '--no-report',
        '--results-dir',
        resultsDir,
        '--reports-dir',
        join(dir, 'reports'),
        '--json',
        json,
        ...args,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      fail(new Error(`sipconf run ${args.join(' ')} did not finish within ${boundMs} ms\n${out}\n${err}`));
    }, boundMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        const summary = JSON.parse(readFileSync(json, 'utf8')) as Outcome['summary'];
        const results = readdirSync(resultsDir)
          .filter((f) => f.endsWith('-result.json'))
          .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as { name: string; status: string })
          .map((r) => ({ name: r.name, status: r.status, attachments: attachmentNames(r as never) }));
        done({ code, out, err, summary, results });
      } catch (e) {
        fail(
          new Error(
            `sipconf run ${args.join(' ')} exited ${code} without results: ${(e as Error).message}\n${out}\n${err}`,
          ),
        );
      }
    });
  });
}

const IDS = ['SIPP-INVITE-THROUGH-SUT', 'SIPP-OUTBOUND-CALL', 'SIPP-REGISTER'];

describe('sipp suite against the embedded reference SUT', () => {
  test('sipconf run --suite sipp: exit 0, all three checks pass, each Allure result has SIPp statistics and logs', async () => {
    const r = await sipconfRun('pass', []);
    expect({ code: r.code, err: r.code === 0 ? '' : r.out + r.err }).toEqual({ code: 0, err: '' });
    expect(r.summary.checks.map((c) => [c.id, c.status]).sort()).toEqual(IDS.map((id) => [id, 'passed']));
    // "Under ~10 s" each against the embedded SUT (measured ~1–3 s).
    for (const c of r.summary.checks) expect(c.durationMs).toBeLessThan(10_000);

    const byId = (id: string) => r.results.find((x) => x.name.startsWith(id))!;
    const expectSippFiles = (id: string, label: string) => {
      const names = byId(id).attachments;
      for (const file of ['statistics', 'command', 'stats.csv', 'messages.log', 'screen.log', 'response-times.csv']) {
        expect(names).toContain(`${label} ${file}`);
      }
    };
    expectSippFiles('SIPP-REGISTER', 'sipp-register');
    expectSippFiles('SIPP-INVITE-THROUGH-SUT', 'sipp-uac');
    expectSippFiles('SIPP-INVITE-THROUGH-SUT', 'sipp-uas');
    expectSippFiles('SIPP-OUTBOUND-CALL', 'sipp-outbound-uas');
    expectSippFiles('SIPP-OUTBOUND-CALL', 'sipp-caller');
    for (const id of IDS) expect(byId(id).attachments).toContain('notes');
    // The reference SUT challenges SHA-256 first (RFC 8760): the relay's work is reported.
    expect(byId('SIPP-REGISTER').attachments).toContain('challenge relay');

    // The statistics summary carries calls, failures, retransmissions and response times; no password leaks.
    const resultsDir = join(base, 'pass', 'allure-results');
    const files = readdirSync(resultsDir).filter((f) => f.endsWith('-attachment.txt'));
    const texts = files.map((f) => readFileSync(join(resultsDir, f), 'utf8'));
    // The statistics attachment (the notes attachment starts with the same words but is one line per run).
    const uacStats = texts.find((t) => t.startsWith('sipp-uac: passed') && t.includes('created ('));
    expect(uacStats).toMatch(/calls: 3 created \(3 outgoing, 0 incoming\), 3 successful, 0 failed/);
    expect(uacStats).toMatch(/retransmissions: \d+/);
    expect(uacStats).toMatch(/response times: 3 samples, median [\d.]+ ms/);
    expect(texts.some((t) => t.includes('embedded-reference-secret'))).toBe(false);
    expect(texts.some((t) => / -ap \*{8} /.test(t))).toBe(true);
  }, 120_000);

  test('each check fails with its RFC section against the defect it guards (reference SUT faults)', async () => {
    const [reg, ack, ob] = await Promise.all([
      sipconfRun('fault-contact', ['--grep', 'SIPP-REGISTER', '--fault', 'no-contact-in-200']),
      sipconfRun('fault-ack', ['--grep', 'SIPP-INVITE-THROUGH-SUT', '--fault', 'drop-2xx-ack']),
      sipconfRun('fault-outbound', ['--grep', 'SIPP-OUTBOUND-CALL', '--fault', 'no-require-outbound']),
    ]);
    for (const r of [reg, ack, ob]) {
      expect(r.code).toBe(1);
      expect(r.summary.checks).toHaveLength(1);
      expect(r.summary.checks[0]!.status).toBe('failed');
    }
    // The scenario's own FAIL line, SIPp's failure counter and the section.
    expect(reg.summary.checks[0]!.message).toMatch(
      /^SUT non-conformance: sipp-register: SIPp failed .*FAIL: the 200 does not list our Contact .*RFC 3261 §10\.3/,
    );
    // The callee never sees the ACK: its next message is the BYE.
    expect(ack.summary.checks[0]!.message).toMatch(
      /^SUT non-conformance: sipp-uas: SIPp failed .*unexpected BYE.*RFC 3261 §13\.2\.2\.4/,
    );
    expect(ob.summary.checks[0]!.message).toMatch(
      /^SUT non-conformance: sipp-outbound-uas: SIPp failed .*header Require: not found.*RegexpHdrNotFound=1.*RFC 5626 §6/,
    );
    // The failing run still carries SIPp's evidence.
    expect(reg.results[0]!.attachments).toEqual(
      expect.arrayContaining(['sipp-register messages.log', 'sipp-register stats.csv']),
    );
  }, 120_000);

  test('a missing sipp binary fails the check (never a skip), naming the Debian package sip-tester', async () => {
    const r = await sipconfRun(
      'no-sipp',
      ['--grep', 'SIPP-REGISTER'],
      { SIPCONF_SIPP: join(base, 'no-such-dir', 'sipp') },
      60_000,
    );
    expect(r.code).toBe(1);
    const c = r.summary.checks[0]!;
    expect(c.status).not.toBe('passed');
    expect(c.status).not.toBe('skipped');
    expect(c.message).toMatch(/sip-tester/);
  }, 70_000);
});

describe('challenge filter for SIPp 3.6.1 (RFC 8760 §2.4)', () => {
  const msg = (status: string, headers: string[]) =>
    Buffer.from(
      [
        `SIP/2.0 ${status}`,
        'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1',
        ...headers,
        'Content-Length: 4',
        '',
        'abcd',
      ].join('\r\n'),
    );
  const sha = 'WWW-Authenticate: Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"';
  const md5 = 'WWW-Authenticate: Digest realm="r", nonce="n", algorithm=MD5, qop="auth"';

  test('a 401 offering SHA-256 then MD5 keeps only the MD5 challenge; the body is untouched', () => {
    const r = keepSippChallenges(msg('401 Unauthorized', [sha, md5]));
    expect(r.removed).toBe(1);
    const text = r.data.toString('latin1');
    expect(text).toContain(md5);
    expect(text).not.toContain('SHA-256');
    expect(text.endsWith('\r\n\r\nabcd')).toBe(true);
  });

  test('a challenge without algorithm counts as MD5 (RFC 3261 §22.4); folded lines go with their header', () => {
    const folded = 'Proxy-Authenticate: Digest realm="r",\r\n nonce="m", algorithm=SHA-512-256';
    const r = keepSippChallenges(
      msg('407 Proxy Authentication Required', [folded, 'Proxy-Authenticate: Digest realm="r", nonce="m"']),
    );
    expect(r.removed).toBe(1);
    expect(r.data.toString('latin1')).not.toContain('SHA-512-256');
    expect(r.data.toString('latin1')).toContain('Proxy-Authenticate: Digest realm="r", nonce="m"');
  });

  test('nothing changes when no challenge SIPp supports would remain, or for other responses', () => {
    const onlySha = msg('401 Unauthorized', [sha, sha.replace('SHA-256', 'SHA-512-256')]);
    expect(keepSippChallenges(onlySha)).toEqual({ data: onlySha, removed: 0 });
    const ok = msg('200 OK', [sha, md5]);
    expect(keepSippChallenges(ok)).toEqual({ data: ok, removed: 0 });
  });
});
