/** `npm run bench -- --smoke`: the benchmark runs end to end and writes the JSON shape CI and reports read. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from '../../bench/main';
import { BENCH_MESSAGES, OURS, benchParsers, ratioVerdict, type Stats } from '../../bench/parser';
import { lint } from '../../src/sip/lint';

const ROOT = resolve(__dirname, '..', '..');

describe('bench (parser section)', () => {
  test('every bench message is valid and lint-clean, so the strict verdicts measured are real', () => {
    for (const [name, text] of Object.entries(BENCH_MESSAGES)) {
      const r = lint(Buffer.from(text));
      expect({ name, errors: r.errors, warnings: r.warnings }).toEqual({ name, errors: [], warnings: [] });
      expect(OURS.parseAndRead(Buffer.from(text))).toBeGreaterThan(0);
    }
  });

  test('argument errors are reported, not ignored', () => {
    expect(() => parseArgs(['--only', 'nope'])).toThrow(/no bench section "nope"/);
    expect(() => parseArgs(['--json'])).toThrow(/--json needs a FILE/);
    expect(() => parseArgs(['--frobnicate'])).toThrow(/unknown argument/);
    expect(parseArgs(['--smoke', '--only', 'parser', '--json', 'x.json'])).toEqual({
      smoke: true,
      only: ['parser'],
      json: 'x.json',
    });
  });

  test('ratioVerdict: the median ratio is claimed only within the spread; the lower bound is our slowest against their fastest', () => {
    const st = (min: number, median: number, max: number): Stats => ({
      min,
      median,
      max,
      msgsPerSec: median,
      spread: (max - min) / median,
      samples: [min, median, max],
    });
    expect(ratioVerdict(st(270, 280, 290), st(110, 115, 120), 0.15)).toEqual({
      ratio: 2.43,
      lowerBound: 2.25,
      claimed: true,
    });
    // A noisy peer: no median claim, and the bound uses its fastest batch.
    expect(ratioVerdict(st(250, 280, 290), st(85, 113, 118), 0.15)).toEqual({
      ratio: 2.48,
      lowerBound: 2.11,
      claimed: false,
    });
    // The bound rounds down, never up past what was measured.
    expect(ratioVerdict(st(199.9, 210, 220), st(99, 100, 100), 0.15).lowerBound).toBe(1.99);
  });

  test('a contender process that fails is reported with its reason (--detectOpenHandles: no process is left running)', async () => {
    await expect(
      benchParsers(['sipconf', 'no-such-parser'], { repeats: 1, batchMs: 20, maxSpread: 1 }),
    ).rejects.toThrow(/no-such-parser: no parser contender "no-such-parser"/);
  }, 60_000);

  test('--smoke --json FILE writes { parser: { msgsPerSec, peers, ratio, ... } } with all three peers measured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-bench-'));
    try {
      const file = join(dir, 'bench.json');
      // A child process, as `npm run bench` runs it (sip.js is an ES module, which tsx loads and jest cannot).
      const p = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'bench/main.ts'), '--smoke', '--only', 'parser', '--json', file],
        { cwd: ROOT, encoding: 'utf8', timeout: 100_000 },
      );
      expect(p.stderr).toBe('');
      expect(p.status).toBe(0);
      expect(p.stdout).toMatch(/sipconf +\d+/);
      expect(p.stdout).toMatch(
        /ratio vs fastest peer \((sip|jssip|sip\.js)\): (\d+(\.\d+)?× \(target ≥ 2×\)|NOT CLAIMED)/,
      );
      const j = JSON.parse(readFileSync(file, 'utf8'));
      expect(j.parser.msgsPerSec).toBeGreaterThan(0);
      expect(Object.keys(j.parser.peers).sort()).toEqual(['jssip', 'sip', 'sip.js']);
      for (const p of Object.values(j.parser.peers) as Array<{ median: number; min: number; max: number }>) {
        expect(p.median).toBeGreaterThan(0);
        expect(p.min).toBeLessThanOrEqual(p.median);
        expect(p.max).toBeGreaterThanOrEqual(p.median);
      }
      // A ratio is claimed only when the spread allows it; otherwise null with noisy=true.
      if (j.parser.noisy) expect(j.parser.ratio).toBeNull();
      else expect(j.parser.ratio).toBeCloseTo(j.parser.msgsPerSec / j.parser.peers[j.parser.fastestPeer].median, 1);
      const fastest = j.parser.peers[j.parser.fastestPeer];
      expect(j.parser.ratioLowerBound).toBeCloseTo(j.parser.stats.min / fastest.max, 1);
      expect(p.stdout).toMatch(
        new RegExp(
          `lower bound vs ${j.parser.fastestPeer.replace('.', '\\.')}, our slowest batch against its fastest \\(holds under load\\): \\d+(\\.\\d+)?×`,
        ),
      );
      expect(j.parser.serializeMsgsPerSec).toBeGreaterThan(0);
      expect(j.parser.mode).toBe('strict');
      expect(j.machine.loadavg).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
