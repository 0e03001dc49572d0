/**
 * `sipconf run` end to end, as a user runs it: the CLI as a child process against the embedded reference SUT,
 * then the files it leaves (summary JSON per docs/architecture.md, JUnit, Allure results with ladder, raw trace and
 * pcap attachments).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'sipconf');

function sipconf(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sipconf ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const REQUIRED = [
  'INVITE-2XX-ACK',
  'INVITE-2XX-RETRANSMIT',
  'INVITE-NON2XX-ACK',
  'INVITE-CANCEL',
  'INVITE-BYE',
  'INVITE-MAX-FORWARDS',
  'INVITE-UNKNOWN-USER',
  'REGISTER-200-OK',
  'REGISTER-AUTH',
  'REGISTER-REFRESH',
  'REGISTER-MULTI',
  'REGISTER-QUERY',
  'REGISTER-REMOVE',
  'REGISTER-REMOVE-ALL',
  'REGISTER-MIN-EXPIRES',
  'OUTBOUND-REGISTER',
  'OUTBOUND-TWO-FLOWS',
  'OUTBOUND-KEEPALIVE',
  'OUTBOUND-FAILOVER-CONNLOSS',
  'OUTBOUND-FAILOVER-430',
  'OUTBOUND-ALL-FLOWS-FAILED',
  'OUTBOUND-REREGISTER',
];

describe('sipconf run against the embedded reference SUT (the README main command)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sipconf-run-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every required check passes, exit 0, and the evidence is written', async () => {
    const json = path.join(dir, 'out.json');
    const r = await sipconf(
      [
        'run',
        '--suite',
        'invite,register,outbound',
        '--json',
        json,
        '--results-dir',
        path.join(dir, 'allure-results'),
        '--reports-dir',
        dir,
        '--no-report',
      ],
      170_000,
    );
    expect(r.stderr).not.toMatch(/Validation Warning/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as {
      target: string;
      startedAt: string;
      durationMs: number;
      totals: Record<string, number>;
      checks: Array<{ id: string; status: string; rfc: string[]; suite: string; title: string; durationMs: number }>;
    };
    expect(summary.target).toMatch(/embedded reference SUT/);
    expect(Number.isNaN(Date.parse(summary.startedAt))).toBe(false);
    const ids = summary.checks.map((c) => c.id);
    for (const id of REQUIRED) expect(ids).toContain(id);
    for (const c of summary.checks) {
      expect({ id: c.id, status: c.status }).toEqual({ id: c.id, status: 'passed' });
      expect(c.rfc.length).toBeGreaterThan(0);
    }
    expect(summary.totals.failed + summary.totals.broken).toBe(0);
    // The same summary at reports/summary.json, JUnit beside it.
    expect(JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).checks.length).toBe(summary.checks.length);
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect((junit.match(/<testcase /g) ?? []).length).toBe(summary.checks.length);
    // Allure: one result per check, each with ladder SVG, raw text and pcap attachments; environment and categories.
    const files = readdirSync(path.join(dir, 'allure-results'));
    const results = files.filter((f) => f.endsWith('-result.json'));
    expect(results.length).toBe(summary.checks.length);
    type Step = { name: string; attachments?: Array<{ type: string; name: string }>; steps?: Step[] };
    const one = JSON.parse(readFileSync(path.join(dir, 'allure-results', results[0]!), 'utf8')) as Step & {
      links: Array<{ url: string }>;
      steps: Step[];
    };
    // allure-js 3 records attachments as (attachment) steps: collect them from the whole tree.
    const all = (s: Step): Array<{ type: string; name: string }> => [
      ...(s.attachments ?? []),
      ...(s.steps ?? []).flatMap(all),
    ];
    const types = all(one).map((a) => a.type);
    expect(types).toEqual(expect.arrayContaining(['image/svg+xml', 'text/plain', 'application/vnd.tcpdump.pcap']));
    expect(one.links.some((l) => l.url.startsWith('https://www.rfc-editor.org/rfc/rfc'))).toBe(true);
    expect(one.steps.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining(['environment.properties', 'categories.json']));
  }, 180_000);

  test('a SUT defect makes the guarding check fail with a reason, exit 1', async () => {
    const json = path.join(dir, 'fault.json');
    const r = await sipconf(
      [
        'run',
        '--grep',
        'INVITE-2XX-ACK',
        '--fault',
        'drop-2xx-ack',
        '--json',
        json,
        '--results-dir',
        path.join(dir, 'fault-results'),
        '--reports-dir',
        path.join(dir, 'fault'),
        '--no-report',
      ],
      90_000,
    );
    expect(r.code).toBe(1);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as {
      checks: Array<{ id: string; status: string; message?: string }>;
    };
    const c = summary.checks.find((x) => x.id === 'INVITE-2XX-ACK')!;
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(
      /^SUT non-conformance: no ACK for the 200 OK sent at .* within .* \(64·T1\); \d+ retransmissions sent \(RFC 3261 §13\.2\.2\.4/,
    );
  }, 100_000);

  test('--transport tls: the checks run over TLS, verifying the SUT certificate (RFC 3261 §26.2)', async () => {
    const json = path.join(dir, 'tls.json');
    const results = path.join(dir, 'tls-results');
    const r = await sipconf(
      [
        'run',
        '--transport',
        'tls',
        '--grep',
        'INVITE-2XX-ACK',
        '--json',
        json,
        '--results-dir',
        results,
        '--reports-dir',
        path.join(dir, 'tls'),
        '--no-report',
      ],
      90_000,
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as { checks: Array<{ id: string; status: string }> };
    expect(summary.checks).toEqual([expect.objectContaining({ id: 'INVITE-2XX-ACK', status: 'passed' })]);
    // The raw trace shows the messages went over TLS.
    const texts = readdirSync(results)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => readFileSync(path.join(results, f), 'utf8'));
    expect(texts.some((t) => /SIP\/2\.0\/TLS /.test(t))).toBe(true);
  }, 100_000);

  test('an unreachable SUT is exit 2 with one line, within 10 s', async () => {
    const r = await sipconf(
      [
        'run',
        '--target',
        '127.0.0.1:9',
        '--results-dir',
        path.join(dir, 'unreach'),
        '--reports-dir',
        path.join(dir, 'unreach'),
        '--no-report',
      ],
      30_000,
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/SUT unreachable: .*127\.0\.0\.1:9/);
    expect(r.ms).toBeLessThan(10_000);
    expect(existsSync(path.join(dir, 'unreach', 'summary.json'))).toBe(false);
  }, 40_000);

  test('bad usage is exit 2 naming the fault', async () => {
    const r1 = await sipconf(['run', '--shard', '3/2'], 20_000);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--shard must be I\/N/);
    const r2 = await sipconf(['run', '--fault', 'no-such-defect'], 20_000);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/unknown fault "no-such-defect"/);
    const r3 = await sipconf(['run', '--grep', 'NO-SUCH-CHECK'], 20_000);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/no check matches/);
  }, 70_000);
});

describe('sipconf list', () => {
  test('--json lists every required check with suite, title and RFC sections', async () => {
    const r = await sipconf(['list', '--json'], 20_000);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{
      id: string;
      suite: string;
      title: string;
      rfc: string[];
      kind: string;
    }>;
    for (const id of REQUIRED) expect(list.map((c) => c.id)).toContain(id);
    for (const c of list) {
      expect(c.rfc.every((s) => /^RFC \d+ §/.test(s))).toBe(true);
      expect(['yaml', 'typescript']).toContain(c.kind);
    }
    expect(new Set(list.map((c) => c.kind))).toEqual(new Set(['yaml', 'typescript']));
  }, 30_000);
});
