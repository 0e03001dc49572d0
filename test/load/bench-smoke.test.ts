/**
 * `npm run bench -- --smoke --only load,memory`: the load and memory sections run end to end against real SIPp and
 * write the JSON shape CI reads. Tiny numbers; no speed is asserted, only that calls completed.
 * SIPp (package sip-tester) is required: its absence fails this test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

describe('bench --smoke --only load,memory', () => {
  test('writes { load: { cps, sippCps, ratio, ... }, memory: {...} } with calls completed on every ladder', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sipconf-bench-load-')), 'bench.json');
    const p = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/main.ts'), '--smoke', '--only', 'load,memory', '--json', file], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    expect(p.stderr).not.toMatch(/bench: /);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/== load:/);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    expect(j.load.cps).toBeGreaterThan(0);
    expect(j.load.sippCps).toBeGreaterThan(0);
    expect(j.load.uasCps).toBeGreaterThan(0);
    // A smoke run never claims a ratio, and says why.
    expect(j.load.ratio).toBeNull();
    expect(j.load.noRatioBecause).toBe('smoke run');
    for (const l of [...j.load.ladders.sipconfUac, ...j.load.ladders.sippUac, ...j.load.ladders.sippUacToSipconfUas]) {
      expect(l.steps[0].completed).toBeGreaterThan(0);
    }
    expect(j.memory.sipconf.completed).toBeGreaterThan(0);
    expect(j.memory.sipp.completed).toBeGreaterThan(0);
    expect(typeof j.memory.rssPer1000CallsBytes).toBe('number');
    expect(j.machine.smoke).toBe(true);
  }, 120_000);
});
