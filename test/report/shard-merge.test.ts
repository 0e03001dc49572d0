/**
 * A run split over machines merges into the run it stands for: three `sipconf run --shard I/3` against the
 * reference SUT, merged with `sipconf merge`, give the unsharded run's checks (same ids, same order, same statuses)
 * and totals, one JUnit with every check and one Allure report of all three result folders. Bad merges (a shard
 * missing or given twice, a check in two inputs) are refused with exit 2.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sipconf, readSummary, type Summary } from '../integration/sipconf-cli';
import { mergeJunit, mergeSummaries } from '../../src/report/merge';
import { buildSummary, type CheckSummary, type RunSummary } from '../../src/report/summary';

const SUITES = 'invite,register,outbound';
const work = mkdtempSync(path.join(tmpdir(), 'sipconf-shards-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function reportsArgs(name: string): string[] {
  const dir = path.join(work, name);
  return ['--reports-dir', dir, '--results-dir', path.join(dir, 'allure-results')];
}

test('three shards merged equal the unsharded run: ids, order, statuses, totals, JUnit and one report', async () => {
  const whole = await sipconf(['run', '--suite', SUITES, '--no-report', ...reportsArgs('whole')], 120_000);
  expect(whole.code).toBe(0);
  // One after the other (on CI they are separate machines; here they would only compete for two cores).
  for (const i of [1, 2, 3]) {
    const s = await sipconf(
      ['run', '--suite', SUITES, '--shard', `${i}/3`, '--no-report', ...reportsArgs(`shard${i}`)],
      120_000,
    );
    expect(s.code).toBe(0);
  }
  const merged = await sipconf(
    ['merge', ...[1, 2, 3].map((i) => path.join(work, `shard${i}`)), '--out', path.join(work, 'merged')],
    120_000,
  );
  expect(merged.stderr).toBe('');
  expect(merged.code).toBe(0);

  const unsharded = readSummary(path.join(work, 'whole', 'summary.json'));
  const m = readSummary(path.join(work, 'merged', 'summary.json'));
  const view = (s: Summary) => s.checks.map((c) => [c.id, c.suite, c.status]);
  expect(view(m)).toEqual(view(unsharded));
  expect(m.totals).toEqual(unsharded.totals);
  expect(m.checks.length).toBeGreaterThan(15);
  // Each shard ran a third of them.
  for (const i of [1, 2, 3]) {
    const part = readSummary(path.join(work, `shard${i}`, 'summary.json'));
    expect(part.checks.length).toBeLessThanOrEqual(Math.ceil(m.checks.length / 3));
  }
  const junit = readFileSync(path.join(work, 'merged', 'junit.xml'), 'utf8');
  expect(junit).toMatch(new RegExp(`<testsuites [^>]*tests="${m.checks.length}" failures="0" errors="0"`));
  for (const c of m.checks) expect(junit).toContain(`name="${c.id} — `);
  expect(existsSync(path.join(work, 'merged', 'allure-report', 'index.html'))).toBe(true);
  expect(merged.stdout).toMatch(new RegExp(`Allure report: .* \\(${m.checks.length} results\\)`));

  // `sipconf report` makes one report of any set of result folders (here: two of the three shards).
  const two = [1, 2].map((i) => readSummary(path.join(work, `shard${i}`, 'summary.json')).checks.length);
  const rep = await sipconf(
    [
      'report',
      ...[1, 2].flatMap((i) => ['--results-dir', path.join(work, `shard${i}`, 'allure-results')]),
      '--out',
      path.join(work, 'two-report'),
      '--no-history',
    ],
    120_000,
  );
  expect(rep.code).toBe(0);
  expect(rep.stdout).toContain(`(${two[0]! + two[1]!} results`);
  expect(existsSync(path.join(work, 'two-report', 'index.html'))).toBe(true);
}, 300_000);

test('a shard with nothing to run still writes its (empty) part, and merges', async () => {
  // INVITE-BYE alone in 2 shards: shard 2 has no check.
  const a = await sipconf(
    ['run', '--grep', 'INVITE-BYE', '--shard', '1/2', '--no-report', ...reportsArgs('g1')],
    60_000,
  );
  const b = await sipconf(
    ['run', '--grep', 'INVITE-BYE', '--shard', '2/2', '--no-report', ...reportsArgs('g2')],
    60_000,
  );
  expect([a.code, b.code]).toEqual([0, 0]);
  expect(b.stdout).toMatch(/shard 2\/2 has no check to run/);
  const m = await sipconf(
    ['merge', path.join(work, 'g1'), path.join(work, 'g2'), '--out', path.join(work, 'gm'), '--no-report'],
    30_000,
  );
  expect(m.code).toBe(0);
  expect(readSummary(path.join(work, 'gm', 'summary.json')).checks.map((c) => c.id)).toEqual(['INVITE-BYE']);
}, 120_000);

function check(id: string, status: CheckSummary['status'] = 'passed', message?: string): CheckSummary {
  return { id, suite: 's', title: id, status, durationMs: 1, rfc: ['RFC 3261 §10.3'], ...(message ? { message } : {}) };
}

function shard(index: number, total: number, ids: string[], startedAt = '2026-01-01T00:00:00.000Z'): RunSummary {
  return buildSummary({
    target: 'sut',
    startedAt,
    durationMs: 1000,
    checks: ids.map((i) => check(i)),
    shard: { index, total },
  });
}

test('merging refuses a missing shard, a shard given twice, a check in two inputs, shards mixed with a whole run', () => {
  const s1 = { from: 'a', summary: shard(1, 3, ['A', 'D']) };
  const s2 = { from: 'b', summary: shard(2, 3, ['B']) };
  const s3 = { from: 'c', summary: shard(3, 3, ['C']) };
  expect(mergeSummaries([s3, s1, s2]).checks.map((c) => c.id)).toEqual(['A', 'B', 'C', 'D']);
  expect(() => mergeSummaries([s1, s3])).toThrow('shard 2/3 missing');
  expect(() => mergeSummaries([s1, s2, s2])).toThrow(/check B is in both b and b|shard 2\/3 is given twice/);
  expect(() => mergeSummaries([s1, { from: 'd', summary: shard(2, 3, ['A']) }, s3])).toThrow(
    'check A is in both a and d',
  );
  const whole = {
    from: 'w',
    summary: buildSummary({ target: 'sut', startedAt: new Date(0), durationMs: 5, checks: [check('X')] }),
  };
  expect(() => mergeSummaries([s1, whole])).toThrow('w is not a shard');
  expect(() => mergeSummaries([s1, { from: 'e', summary: shard(2, 2, ['E']) }])).toThrow('e is shard 2/2');
});

test('the merged summary spans the shards in wall time and recounts the totals', () => {
  const a = { from: 'a', summary: shard(1, 2, ['A'], '2026-01-01T00:00:00.000Z') };
  const b = {
    from: 'b',
    summary: {
      ...shard(2, 2, [], '2026-01-01T00:00:02.000Z'),
      checks: [check('B', 'failed', 'SUT non-conformance: no 200')],
      totals: { passed: 0, failed: 1, skipped: 0, broken: 0 },
    },
  };
  const m = mergeSummaries([a, b]);
  expect(m.startedAt).toBe('2026-01-01T00:00:00.000Z');
  expect(m.durationMs).toBe(3000);
  expect(m.totals).toEqual({ passed: 1, failed: 1, skipped: 0, broken: 0 });
  expect(m.shard).toBeUndefined();
});

test('JUnit documents merge their test suites under one root with summed counts', () => {
  const doc = (n: number, f: number, body: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="x" tests="${n}" failures="${f}" errors="0" time="1.5">\n${body}\n</testsuites>\n`;
  const xml = mergeJunit(
    [
      { from: 'a', xml: doc(1, 0, '<testsuite name="a" tests="1"><testcase name="A"/></testsuite>') },
      {
        from: 'b',
        xml: doc(
          2,
          1,
          '<testsuite name="b" tests="2"><testcase name="B"/><testcase name="C"><failure/></testcase></testsuite>',
        ),
      },
      { from: 'c', xml: '<testsuites name="empty" tests="0" failures="0" errors="0" time="0"/>' },
    ],
    'sipconf against "sut" & co',
  );
  expect(xml).toContain(
    '<testsuites name="sipconf against &quot;sut&quot; &amp; co" tests="3" failures="1" errors="0" skipped="0" time="3.000">',
  );
  expect(xml.match(/<testcase /g)).toHaveLength(3);
  expect(() => mergeJunit([{ from: 'z.xml', xml: '<html/>' }], 'n')).toThrow('z.xml: not a JUnit report');
});
