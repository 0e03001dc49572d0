/** `sipconf sipp` end to end through the CLI entry point, with real SIPp processes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from '../support/cli';
import { shippedScenario, startSipp } from '../../src/sipp';
import { startUdpRegistrar } from './support/udp-registrar';
import { liveProcessesMentioning } from './support/process-group';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sipconf-sipp-cli-'));
});
afterAll(() => {
  // No SIPp may outlive its test: nothing running from this file's run directories.
  const leftovers = liveProcessesMentioning(base);
  rmSync(base, { recursive: true, force: true });
  expect(leftovers).toEqual([]);
});

describe('sipconf sipp', () => {
  test('a passing run: exit 0, verdict with calls ok/failed, retransmissions, response-time median; --json written', async () => {
    const uas = startSipp({
      scenarioFile: shippedScenario('uas'),
      calls: 2,
      hardTimeoutMs: 20_000,
      runDir: join(base, 'uas'),
    });
    const at = await uas.ready;
    const json = join(base, 'result.json');
    const r = await run([
      'sipp',
      shippedScenario('invite-through-proxy-uac'),
      '--target',
      `127.0.0.1:${at.port}`,
      '--count',
      '2',
      '--rate',
      '10',
      '-s',
      'bob',
      '--timeout',
      '15',
      '--run-dir',
      join(base, 'uac'),
      '--json',
      json,
    ]);
    await uas.result;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      / → 127\.0\.0\.1:\d+ \(udp, local 127\.0\.0\.1:\d+\): PASSED — all calls succeeded \(2 of 2 calls succeeded, 0 failed\)/,
    );
    expect(r.out).toMatch(
      /calls: 2 ok, 0 failed · retransmissions: 0 · response time median \d+(\.\d+)? ms, p95 \d+ ms/,
    );
    expect(r.out).toMatch(/rerun: cd .* && \S*sipp -sf \S*invite-through-proxy-uac\.xml/);
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.verdict.status).toBe('passed');
    expect(j.stats.calls.successful).toBe(2);
    expect(j.files.map((f: { name: string }) => f.name)).toContain('stats.csv');
  });

  test('a failing call: exit 1 and the failure reason', async () => {
    const reg = await startUdpRegistrar({ echoContact: false });
    try {
      const r = await run([
        'sipp',
        shippedScenario('register'),
        '--target',
        `127.0.0.1:${reg.endpoint.port}`,
        '-s',
        'alice',
        '--timeout',
        '10',
        '--run-dir',
        join(base, 'reg'),
      ]);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/FAILED — at least one call failed \(0 of 1 calls succeeded, 1 failed\)/);
      expect(r.out).toMatch(/failures: TimeoutOnRecv 1/);
    } finally {
      await reg.close();
    }
  });

  test('nothing answers: SIPp’s own -timeout ends it, exit 1, verdict TIMEOUT', async () => {
    const r = await run(['sipp', 'uac', '--target', '127.0.0.1:9', '--timeout', '1', '--run-dir', join(base, 'to')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/TIMEOUT/);
  });

  test('a scenario path that does not exist: exit 2 naming the file', async () => {
    const r = await run(['sipp', join(base, 'missing.xml'), '--target', '127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`scenario file ${join(base, 'missing.xml')}: no such file`);
  });

  test('a file that is not a SIPp scenario: exit 2 with SIPp’s message naming the file', async () => {
    const bad = join(base, 'bad.xml');
    writeFileSync(bad, '<scenario><send>\n');
    const r = await run(['sipp', bad, '--target', '127.0.0.1:9', '--timeout', '5', '--run-dir', join(base, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(
      /FATAL — SIPp could not run the scenario: Unable to load or parse '.*bad\.xml' xml scenario file/,
    );
  });

  test('a missing sipp binary: exit 2 naming the package sip-tester', async () => {
    const r = await run(['sipp', 'uac', '--target', '127.0.0.1:9', '--sipp', '/nonexistent/sipp']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Install the Debian\/Ubuntu package "sip-tester"/);
  });

  test('bad usage: -bg after --, a bad --transport, a bad --count → exit 2 with the reason', async () => {
    const bg = await run(['sipp', 'uac', '--target', '127.0.0.1:9', '--', '-bg']);
    expect(bg.code).toBe(2);
    expect(bg.err).toMatch(/-bg is managed by sipconf/);
    const t = await run(['sipp', 'uac', '--transport', 'sctp']);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/--transport must be udp, tcp or tls/);
    const c = await run(['sipp', 'uac', '--count', 'many']);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--count must be a number/);
    const rc = await run(['sipp', 'uac', '--target', '127.0.0.1:9', '--rate', '10']);
    expect(rc.code).toBe(2);
    expect(rc.err).toMatch(/--rate needs --count/);
  });

  test('extra SIPp arguments after -- reach SIPp', async () => {
    const uas = startSipp({ builtin: 'uas', calls: 1, hardTimeoutMs: 20_000, runDir: join(base, 'x-uas') });
    const at = await uas.ready;
    const r = await run([
      'sipp',
      'uac',
      '--target',
      `127.0.0.1:${at.port}`,
      '--timeout',
      '10',
      '--run-dir',
      join(base, 'x-uac'),
      '--',
      '-base_cseq',
      '41',
    ]);
    await uas.result;
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/-base_cseq 41/);
  });
});
