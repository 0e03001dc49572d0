import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSummary, exitCodeFor, readSummary, writeSummary, type CheckSummary } from '../../src/report/summary';

const checks: CheckSummary[] = [
  {
    id: 'INVITE-2XX-ACK',
    suite: 'invite',
    title: 'ACK for a 2xx goes end to end',
    status: 'passed',
    durationMs: 120.4,
    rfc: ['RFC 3261 §13.2.2.4'],
  },
  {
    id: 'REGISTER-200-OK',
    suite: 'register',
    title: 'REGISTER is answered 200',
    status: 'failed',
    durationMs: 33,
    rfc: ['RFC 3261 §10.3'],
    message: 'SUT non-conformance: got 403 with password hunter2',
  },
  {
    id: 'OUTBOUND-FAILOVER-430',
    suite: 'outbound',
    title: 'Edge fails over on 430',
    status: 'skipped',
    durationMs: 0,
    rfc: ['RFC 5626 §5.3'],
    message: 'skipped: the SUT profile lacks capability "outbound"',
  },
  {
    id: 'X-BROKEN',
    suite: 'x',
    title: 'x',
    status: 'broken',
    durationMs: 1,
    rfc: [],
    message: 'harness error: cannot bind',
  },
];

describe('summary JSON (docs/architecture.md contract)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipconf-summary-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts totals from the checks and keeps the contract shape', () => {
    const s = buildSummary({
      target: '127.0.0.1:5070',
      startedAt: new Date(Date.UTC(2026, 10, 24, 6, 0, 0)),
      durationMs: 1234.6,
      checks,
    });
    expect(Object.keys(s)).toEqual(['target', 'startedAt', 'durationMs', 'totals', 'checks']);
    expect(s.totals).toEqual({ passed: 1, failed: 1, skipped: 1, broken: 1 });
    expect(s.startedAt).toBe('2026-11-24T06:00:00.000Z');
    expect(s.durationMs).toBe(1235);
    expect(Object.keys(s.checks[0])).toEqual(['id', 'suite', 'title', 'status', 'durationMs', 'rfc']);
    expect(Object.keys(s.checks[1])).toEqual(['id', 'suite', 'title', 'status', 'durationMs', 'rfc', 'message']);
    expect(exitCodeFor(s)).toBe(1);
    expect(
      exitCodeFor(buildSummary({ target: 't', startedAt: new Date(), durationMs: 1, checks: [checks[0], checks[2]] })),
    ).toBe(0);
  });

  it('writes atomically (no temp file left, replaces a previous file whole) and reads back, secrets masked', () => {
    const path = join(dir, 'nested', 'summary.json');
    const s = buildSummary({ target: 't', startedAt: new Date(), durationMs: 5, checks });
    writeSummary(path, s, { secrets: ['hunter2'] });
    writeFileSync(path + '.other', 'x');
    writeSummary(path, s, { secrets: ['hunter2'] });
    expect(readdirSync(join(dir, 'nested')).sort()).toEqual(['summary.json', 'summary.json.other']);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text.endsWith('}\n')).toBe(true);
    const back = readSummary(path);
    expect(back.checks[1].message).toBe('SUT non-conformance: got 403 with password ********');
    expect(back.totals).toEqual(s.totals);
  });

  it('refuses inconsistent summaries with a message naming the field, and never leaves a partial file', () => {
    const path = join(dir, 'summary.json');
    const bad = {
      ...buildSummary({ target: 't', startedAt: new Date(), durationMs: 5, checks }),
      totals: { passed: 4, failed: 0, skipped: 0, broken: 0 },
    };
    expect(() => writeSummary(path, bad)).toThrow('summary: totals.passed is 4 but the checks count 1');
    expect(existsSync(path)).toBe(false);
    writeFileSync(
      path,
      '{"target": "t", "startedAt": "2026-11-24T06:00:00Z", "durationMs": 1, "totals": {}, "checks": [{"id": "A"}]}',
    );
    expect(() => readSummary(path)).toThrow(`${path}: checks[0].suite must be a string`);
    writeFileSync(path, '{');
    expect(() => readSummary(path)).toThrow(`${path}: not valid JSON`);
  });
});
