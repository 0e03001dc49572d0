/**
 * Where checks land in the Allure results of a real `sipconf run` against the embedded reference SUT:
 * - a check skipped as not applicable carries the same suite / feature / story / epic labels, testCaseId and RFC links
 *   as a check that ran, so the report groups it under its suite (issue 15);
 * - a check whose traffic is all on private traces (ROBUSTNESS-MALFORMED-*) attaches no empty ladder or pcap.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sipconf } from '../robustness/support/cli';

interface Result {
  name: string;
  status: string;
  testCaseId?: string;
  labels: Array<{ name: string; value: string }>;
  links: Array<{ url: string }>;
  steps?: Result[];
  attachments?: Array<{ name: string; type: string }>;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sipconf-placement-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runOne(grep: string): Promise<Result> {
  const results = path.join(dir, grep, 'allure-results');
  const r = await sipconf(
    ['run', '--grep', grep, '--results-dir', results, '--reports-dir', path.join(dir, grep), '--no-report'],
    { timeoutMs: 60_000 },
  );
  expect(r.code).toBe(0);
  const files = readdirSync(results).filter((f) => f.endsWith('-result.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(path.join(results, files[0]!), 'utf8')) as Result;
}

const label = (r: Result, name: string) => r.labels.filter((l) => l.name === name).map((l) => l.value);

test('a check skipped as not applicable sits in its suite like a check that ran', async () => {
  const skipped = await runOne('UA-ACKS-2XX');
  const ran = await runOne('INVITE-BYE');
  expect(skipped.status).toBe('skipped');
  expect(ran.status).toBe('passed');
  for (const r of [skipped, ran]) {
    const id = r.name.split(' — ')[0]!;
    expect(label(r, 'story')).toEqual([id]);
    expect(label(r, 'checkId')).toEqual([id]);
    expect(label(r, 'epic')).toEqual(['SIP conformance']);
    expect(label(r, 'sut')).toEqual(['sipconf reference SUT']);
    expect(r.testCaseId).toBe(id);
    expect(r.links.some((l) => l.url.startsWith('https://www.rfc-editor.org/rfc/rfc'))).toBe(true);
  }
  expect(label(skipped, 'suite')).toEqual(['outbound-ua']);
  expect(label(skipped, 'feature')).toEqual(['outbound-ua']);
  expect(label(ran, 'suite')).toEqual(['invite']);
  expect(label(ran, 'feature')).toEqual(['invite']);
  // The same label names, so Allure's suites and behaviors trees treat both alike.
  const names = (r: Result) => [...new Set(r.labels.map((l) => l.name))].sort();
  expect(names(skipped)).toEqual(names(ran));
}, 120_000);

test('ROBUSTNESS-MALFORMED-UDP attaches no pcap with no packets (its cases are on a private trace)', async () => {
  const r = await runOne('ROBUSTNESS-MALFORMED-UDP');
  expect(r.status).toBe('passed');
  const all = (s: Result): Array<{ name: string; type: string }> => [
    ...(s.attachments ?? []),
    ...(s.steps ?? []).flatMap(all),
  ];
  const attachments = all(r);
  expect(attachments.filter((a) => a.type === 'application/vnd.tcpdump.pcap')).toEqual([]);
  expect(attachments.some((a) => a.name === 'notes')).toBe(true);
}, 60_000);
