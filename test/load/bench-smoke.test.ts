/**
 * `npm run bench -- --smoke --only load,load-tcp,memory`: the load sections (UDP and TCP) and memory run end to end against real SIPp and
 * write the JSON shape CI reads. Tiny numbers; no speed is asserted, only that calls completed.
 * SIPp (package sip-tester) is required: its absence fails this test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

describe('bench --smoke --only load,load-tcp,memory', () => {
  test('writes { load: { cps, sippCps, ratio, ... }, memory: {...} } with calls completed on every ladder', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sipconf-bench-load-')), 'bench.json');
    const p = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench/main.ts'), '--smoke', '--only', 'load,load-tcp,memory', '--json', file],
      { cwd: ROOT, encoding: 'utf8', timeout: 150_000 },
    );
    expect(p.stderr).not.toMatch(/bench: /);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/== load:/);
    expect(p.stdout).toMatch(/== load-tcp: highest clean calls\/s over TCP/);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    for (const [section, transport] of [
      ['load', 'udp'],
      ['load-tcp', 'tcp'],
    ] as const) {
      const l = j[section];
      expect(l.transport).toBe(transport);
      expect(l.cps).toBeGreaterThan(0);
      expect(l.sippCps).toBeGreaterThan(0);
      expect(l.uasCps).toBeGreaterThan(0);
      // A smoke run never claims a ratio, and says why.
      expect(l.ratio).toBeNull();
      expect(l.noRatioBecause).toBe('smoke run');
      for (const ladder of [...l.ladders.sipconfUac, ...l.ladders.sippUac, ...l.ladders.sippUacToSipconfUas]) {
        expect(ladder.steps[0].completed).toBeGreaterThan(0);
      }
    }
    expect(j.memory.sipconf.completed).toBeGreaterThan(0);
    expect(j.memory.sipp.completed).toBeGreaterThan(0);
    expect(typeof j.memory.rssPer1000CallsBytes).toBe('number');
    expect(j.machine.smoke).toBe(true);
  }, 160_000);
});
