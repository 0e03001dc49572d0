import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksFromAllureResults } from '../../src/report/allure-results';
import { buildSummary } from '../../src/report/summary';
import { runSampleChecks } from './sample-run';

describe('summary checks read back from Allure results', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipconf-allure-results-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('turns a real jest run into the summary records (id, suite, title, status, RFC names, message)', async () => {
    const results = join(dir, 'real');
    await runSampleChecks(results);
    const checks = checksFromAllureResults(results);
    expect(checks.map(({ durationMs, ...c }) => c)).toEqual([
      {
        id: 'OUTBOUND-FAILOVER-430',
        suite: 'outbound',
        title: 'the edge answers 430 and the proxy fails over to flow 2',
        status: 'failed',
        rfc: ['RFC 5626 §5.3', 'RFC 5626 §11.5'],
        message:
          'SUT non-conformance: INVITE was answered 430 Flow Failed instead of being retried on flow tcp-2 (RFC 5626 §5.3)',
      },
      {
        id: 'REGISTER-200-OK',
        suite: 'register',
        title: 'REGISTER on a TCP flow is answered 200',
        status: 'passed',
        rfc: ['RFC 3261 §10.3'],
      },
    ]);
    expect(checks.every((c) => c.durationMs >= 0 && c.durationMs < 10000)).toBe(true);
    expect(buildSummary({ target: 't', startedAt: new Date(), durationMs: 1, checks }).totals).toEqual({
      passed: 1,
      failed: 1,
      skipped: 0,
      broken: 0,
    });
  }, 60000);

  it('keeps the last retry of a check, maps unknown statuses to broken, and names a corrupt file', () => {
    const d = join(dir, 'hand');
    mkdirSync(d);
    const base = {
      labels: [
        { name: 'checkId', value: 'X-1' },
        { name: 'suite', value: 's' },
      ],
      name: 'X-1: t',
    };
    writeFileSync(
      join(d, 'a-result.json'),
      JSON.stringify({
        ...base,
        status: 'failed',
        statusDetails: { message: 'timeout: first try' },
        start: 0,
        stop: 10,
      }),
    );
    writeFileSync(join(d, 'b-result.json'), JSON.stringify({ ...base, status: 'passed', start: 20, stop: 25 }));
    writeFileSync(
      join(d, 'c-result.json'),
      JSON.stringify({ name: 'Y', status: 'unknown', statusDetails: { message: 'harness error: x' } }),
    );
    expect(checksFromAllureResults(d)).toEqual([
      { id: 'X-1', suite: 's', title: 't', status: 'passed', durationMs: 5, rfc: [] },
      { id: 'Y', suite: '', title: 'Y', status: 'broken', durationMs: 0, rfc: [], message: 'harness error: x' },
    ]);
    writeFileSync(join(d, 'd-result.json'), '{');
    expect(() => checksFromAllureResults(d)).toThrow(`${join(d, 'd-result.json')}: not a readable Allure result`);
  });
});
