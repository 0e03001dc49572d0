/**
 * The statistics CSV parser, on files SIPp itself wrote in this run (plus malformed input for the error paths).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSipp, startSipp } from '../../src/sipp';
import {
  medianResponseMs,
  parseSippDate,
  parseSippDuration,
  parseSippRttCsv,
  parseSippStatsCsv,
  percentileResponseMs,
  SippStatsError,
} from '../../src/sipp/stats';
import { liveProcessesMentioning } from './support/process-group';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sipconf-sipp-stats-'));
});
afterAll(() => {
  // No SIPp may outlive its test: nothing running from this file's run directories.
  const leftovers = liveProcessesMentioning(base);
  rmSync(base, { recursive: true, force: true });
  expect(leftovers).toEqual([]);
});

describe('parseSippStatsCsv on files written by SIPp 3.6', () => {
  test('a uac run of 5 calls at 4 cps: periodic rows, cumulative totals, rates, response times and repartitions', async () => {
    const uas = startSipp({ builtin: 'uas', hardTimeoutMs: 20_000, runDir: join(base, 'uas') });
    const at = await uas.ready;
    const dir = join(base, 'uac');
    const r = await runSipp({
      builtin: 'uac',
      target: at,
      calls: 5,
      rate: 4,
      statsPeriodS: 1,
      hardTimeoutMs: 20_000,
      runDir: dir,
    });
    await uas.stop();
    expect(r.verdict.status).toBe('passed');

    const text = readFileSync(join(dir, 'stats.csv'), 'utf8');
    const s = parseSippStatsCsv(text, 'stats.csv');
    // ~1.2 s of calls with a row per second, plus the first and the final row.
    expect(s.rows.length).toBeGreaterThanOrEqual(3);
    expect(s.calls).toEqual({ created: 5, outgoing: 5, incoming: 0, successful: 5, failed: 0 });
    expect(s.retransmissions).toBe(0);
    expect(s.failures).toEqual({});
    expect(s.final.targetRate).toBe(4);
    expect(s.callRate).toBeGreaterThan(2);
    expect(s.callRate).toBeLessThan(8);
    // Cumulative counters never decrease; periodic ones add up to the cumulative total.
    const cumulative = s.rows.map((row) => row.successfulCalls.cumulative);
    expect(cumulative).toEqual([...cumulative].sort((a, b) => a - b));
    expect(s.rows.reduce((sum, row) => sum + row.successfulCalls.periodic, 0)).toBe(5);
    expect(s.final.currentTime).toBeGreaterThanOrEqual(s.final.startTime);
    expect(Math.abs(s.final.currentTime - Date.now())).toBeLessThan(60_000);
    // The built-in uac has one rtd: ResponseTime1, and its repartition buckets count every call.
    expect(s.final.responseTimes.map((x) => x.name)).toEqual(['ResponseTime1']);
    expect(s.responseTimeMeansMs.ResponseTime1).toBeGreaterThanOrEqual(0);
    const rep = s.final.responseTimeRepartitions.ResponseTimeRepartition1!;
    expect(rep.buckets[0]).toEqual({ below: 10, count: expect.any(Number) });
    expect(rep.buckets[rep.buckets.length - 1]).toEqual({ atLeast: 200, count: expect.any(Number) });
    expect(rep.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(5);
    expect(s.final.callLengthRepartition!.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(5);
    // The counters map keeps every (P)/(C) pair, including the ones without a typed field.
    expect(s.final.counters).toHaveProperty('OutOfCallMsgs');
    expect(s.final.failureReasons).toHaveProperty('MaxUDPRetrans');
    // runSipp attached the same numbers.
    expect(r.stats?.calls).toEqual(s.calls);

    const rttFile = r.logs.find((l) => l.name.endsWith('_rtt.csv'))!;
    const rtt = parseSippRttCsv(readFileSync(rttFile.path, 'utf8'));
    expect(rtt).toHaveLength(5);
    expect(rtt.every((x) => x.rtd === 1 && x.responseMs >= 0)).toBe(true);
    expect(r.responseTimeMedianMs).toBe(medianResponseMs(rtt));
  });

  test('failed calls show up as FailedCall and their reason (FailedTimeoutOnRecv), with exit 1', async () => {
    const dir = join(base, 'fail');
    const r = await runSipp({
      builtin: 'uac',
      target: '127.0.0.1:9',
      calls: 1,
      recvTimeoutMs: 1000,
      hardTimeoutMs: 10_000,
      runDir: dir,
    });
    expect(r.exitCode).toBe(1);
    expect(r.verdict.status).toBe('failed');
    const s = parseSippStatsCsv(readFileSync(join(dir, 'stats.csv'), 'utf8'));
    expect(s.calls.failed).toBe(1);
    expect(s.calls.successful).toBe(0);
    expect(s.failures).toEqual({ TimeoutOnRecv: 1 });
    // UDP: the INVITE is retransmitted after T1 = 500 ms (Timer A, RFC 3261 §17.1.1.2), the next one would be at
    // 1500 ms, after the 1000 ms receive timeout: exactly one retransmission.
    expect(s.retransmissions).toBe(1);
    expect(r.verdict.message).toMatch(/0 of 1 calls succeeded, 1 failed/);
  });
});

describe('parser edge cases', () => {
  test('durations and dates in SIPp’s formats', () => {
    expect(parseSippDuration('00:00:00:006000')).toBe(6);
    expect(parseSippDuration('01:02:03:500000')).toBe(3723500);
    expect(parseSippDuration('00:00:05')).toBe(5000);
    expect(parseSippDuration('nonsense')).toBeNaN();
    expect(parseSippDate('2026-11-24\t05:19:59.037795\t1795497599.037795')).toBeCloseTo(1795497599037.795, 1);
  });

  test('a file that is not SIPp statistics is refused with its name and line', () => {
    expect(() => parseSippStatsCsv('a;b;c\n1;2;3\n', 'x.csv')).toThrow(/x\.csv:1: not a SIPp statistics file/);
  });

  test('a short row names its line', () => {
    const header = 'StartTime;LastResetTime;CurrentTime;SuccessfulCall(P);SuccessfulCall(C);';
    expect(() => parseSippStatsCsv(`${header}\n1;2\n`, 's.csv')).toThrow(
      new SippStatsError('s.csv:2: 2 fields, the header has 5'),
    );
  });

  test('a non-numeric counter names the column and line', () => {
    const header = 'StartTime;LastResetTime;CurrentTime;SuccessfulCall(P);SuccessfulCall(C);';
    expect(() => parseSippStatsCsv(`${header}\n2026-11-24\t05:19:59.0\t1795497599.0;x;y;1;zz;\n`, 's.csv')).toThrow(
      /s\.csv:2: column SuccessfulCall\(C\) has "zz"/,
    );
  });

  test('header only (SIPp killed before its first dump) is an error, not zero calls', () => {
    expect(() => parseSippStatsCsv('StartTime;LastResetTime;CurrentTime;\n', 's.csv')).toThrow(/no statistics row/);
  });

  test('rtt file: median and p95 of one rtd; bad lines name their line', () => {
    const rtt = parseSippRttCsv('Date_ms;response_time_ms;rtd_no\n1;5;1\n2;1;1\n3;9;1\n4;100;2\n5;3;1\n');
    expect(medianResponseMs(rtt)).toBe(4);
    expect(medianResponseMs(rtt, 2)).toBe(100);
    expect(medianResponseMs(rtt, 3)).toBeUndefined();
    expect(percentileResponseMs(rtt, 95)).toBe(9);
    expect(() => parseSippRttCsv('Date_ms;response_time_ms;rtd_no\n1;x;1\n', 'r.csv')).toThrow(/r\.csv:2/);
  });
});
