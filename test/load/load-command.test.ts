/** `sipconf load`: exit codes (0 all completed, 1 a call failed, 2 bad usage), the JSON result and the Allure result. */
import * as dgram from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as cli } from '../support/cli';
import { startLoad } from '../../src/load/run-load';

describe('sipconf load', () => {
  test('--target --rate --calls --json: exit 0, the summary, the JSON result and an Allure result with the chart', async () => {
    const uas = await startLoad({ mode: 'uas' });
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-load-cli-'));
    try {
      const file = join(dir, 'load.json');
      const r = await cli([
        'load',
        '--target',
        `127.0.0.1:${uas.local.port}`,
        '--rate',
        '100',
        '--calls',
        '150',
        '--json',
        file,
        '--results-dir',
        join(dir, 'allure'),
      ]);
      expect(r.err).toMatch(/calls\/s\s+in flight/);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/calls: 150 started, 150 completed/);
      const j = JSON.parse(readFileSync(file, 'utf8'));
      expect(j).toMatchObject({
        mode: 'uac',
        scenario: 'call',
        transport: 'udp',
        target: `127.0.0.1:${uas.local.port}`,
        calls: { started: 150, completed: 150, failed: 0 },
        failures: {},
      });
      for (const k of ['cps', 'cleanCps', 'retransmissions', 'peakInFlight', 'durationMs'])
        expect(typeof j[k]).toBe('number');
      for (const k of ['p50', 'p90', 'p95', 'p99', 'max']) expect(typeof j.responseTimeMs[k]).toBe('number');
      expect(Array.isArray(j.series) && j.series.length).toBeGreaterThan(0);
      expect(j.stats).toBeUndefined();
      const files = readdirSync(join(dir, 'allure'));
      expect(files.filter((f) => f.endsWith('-result.json'))).toHaveLength(1);
      expect(files.filter((f) => f.endsWith('.svg'))).toHaveLength(1);
    } finally {
      await uas.stop();
    }
  });

  test('--transport tcp: the calls go over one TCP connection to a TCP UAS; the summary and JSON say TCP', async () => {
    const uas = await startLoad({ mode: 'uas', transport: 'tcp' });
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-load-cli-'));
    try {
      const file = join(dir, 'load.json');
      const r = await cli([
        'load',
        '--target',
        `127.0.0.1:${uas.local.port}`,
        '--transport',
        'tcp',
        '--rate',
        '100',
        '--calls',
        '100',
        '-q',
        '--json',
        file,
        '--no-allure',
      ]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`load calls to 127\\.0\\.0\\.1:${uas.local.port} over TCP at 100/s: CLEAN`));
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        transport: 'tcp',
        io: 'tcp',
        calls: { started: 100, completed: 100, failed: 0 },
      });
      expect((await uas.stop()).calls.completed).toBe(100);
    } finally {
      await uas.stop();
    }
  });

  test('toward a dead port: exit 1, failures by reason (timeout-invite) in bounded time', async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-load-cli-'));
    const t0 = Date.now();
    const r = await cli([
      'load',
      '--target',
      `127.0.0.1:${port}`,
      '--rate',
      '50',
      '--calls',
      '10',
      '--t1',
      '20',
      '-q',
      '--json',
      join(dir, 'r.json'),
      '--no-allure',
    ]);
    expect(Date.now() - t0).toBeLessThan(64 * 20 + 1000 + 5000);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/failures: timeout-invite 10/);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).failures).toEqual({ 'timeout-invite': 10 });
  });

  test.each([
    [['load', '--rate', '10', '--calls', '1'], /give --target/],
    [['load', '--target', '127.0.0.1:5060'], /--duration S or --calls N/],
    [
      ['load', '--target', '127.0.0.1:5060', '--calls', '1', '--transport', 'tls'],
      /--transport.*Allowed choices are udp, tcp/,
    ],
    [
      ['load', '--target', '127.0.0.1:5060', '--calls', '1', '--transport', 'tcp', '--scenario', 'outbound'],
      /outbound scenario runs over udp only/,
    ],
    [['load', '--target', 'no-port', '--calls', '1'], /HOST:PORT/],
    [['load', '--uas', '--target', '127.0.0.1:5060'], /takes no --target/],
    [['load', '--target', '127.0.0.1:5060', '--rate', 'fast', '--calls', '1'], /--rate must be a positive number/],
  ])('bad usage %j exits 2 with one line', async (argv, msg) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
  });
});
