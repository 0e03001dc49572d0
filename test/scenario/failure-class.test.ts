/**
 * Failure classes authors cannot get wrong: one mapping (src/scenario/failure-class.ts) turns what a check threw
 * into its class. An unmet expectation about what the SUT sent is `SUT non-conformance:`; an exception in the
 * harness — in a TypeScript check or in a YAML scenario — is `broken` (`harness error:`) with its stack in the report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExpectationError } from '../../src/agent/expectation';
import { CheckFailure } from '../../src/report/failures';
import { NonConformance, SetupError } from '../../src/scenario/check';
import { failureKindOf, failureOf } from '../../src/scenario/failure-class';

describe('the one mapping', () => {
  test.each([
    ['a NonConformance (ctx.fail)', new NonConformance('x (RFC 3261 §8)'), 'nonconformance', 'SUT non-conformance:'],
    [
      'an unmet expectation',
      new ExpectationError('bob expected ACK within 6400 ms'),
      'nonconformance',
      'SUT non-conformance:',
    ],
    ['the check deadline', new CheckFailure('timeout', 'the check did not finish'), 'timeout', 'timeout:'],
    ['a profile problem', new SetupError('setup — account 1001 rejected'), 'setup', 'setup —'],
    [
      'a TypeError',
      new TypeError("Cannot read properties of undefined (reading 'status')"),
      'harness',
      'harness error:',
    ],
    ['a plain Error', new Error('no dialog'), 'harness', 'harness error:'],
    ['a thrown string', 'oops', 'harness', 'harness error:'],
  ])('%s', (_what, thrown, kind, prefix) => {
    expect(failureKindOf(thrown)).toBe(kind);
    expect(failureOf(thrown).message.startsWith(prefix)).toBe(true);
  });

  test('a harness error keeps the original stack, so the report shows where it broke', () => {
    const e = new TypeError('boom');
    const f = failureOf(e);
    expect(f.message).toBe('harness error: TypeError: boom');
    expect(f.stack).toContain(__filename);
  });
});

describe('a harness exception inside a check is reported broken, never failed (CLI run)', () => {
  const root = path.resolve(__dirname, '..', '..');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sipconf-broken-'));
    writeFileSync(
      path.join(dir, 'MY-TS-BUG.check.ts'),
      [
        "import { defineCheck, caller } from 'sipconf/check';",
        'export default defineCheck(',
        '  {',
        "    id: 'MY-TS-BUG', suite: 'custom', title: 'A check with a bug in it', rfc: ['RFC 3261 §11.2'],",
        "    severity: 'normal', roles: ['proxy'],",
        '    async run(ctx) {',
        "      const alice = await caller(ctx, 'alice');",
        "      await ctx.step('a step with a bug', async () => {",
        '        const missing = (alice as unknown as { nothing?: { status: number } }).nothing;',
        '        return missing!.status;',
        '      });',
        '    },',
        '  },',
        '  __filename,',
        ');',
        '',
      ].join('\n'),
    );
    // Valid at load; at run time it ACKs a call that has no 2xx: a scenario mistake, not the SUT's.
    writeFileSync(
      path.join(dir, 'MY-YAML-BUG.yaml'),
      [
        'id: MY-YAML-BUG',
        'suite: custom',
        'title: A scenario that ACKs too early',
        'rfc: [RFC 3261 §13.2.2.4]',
        'severity: normal',
        'sut: { roles: [proxy] }',
        'agents:',
        '  alice: {}',
        '  bob: { register: true }',
        'steps:',
        '  - invite: { from: alice, to: bob, as: call }',
        '  - ack: call',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('both are broken with "harness error:", the stack is in the Allure result, exit 1', () => {
    const out = path.join(dir, 'out');
    const results = path.join(out, 'res');
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, 'bin', 'sipconf'),
        'run',
        '--scenarios',
        dir,
        '--suite',
        'custom',
        '--no-report',
        '--results-dir',
        results,
        '--reports-dir',
        out,
        '--json',
        path.join(out, 's.json'),
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status).toBe(1);
    const summary = JSON.parse(readFileSync(path.join(out, 's.json'), 'utf8')) as {
      checks: Array<{ id: string; status: string; message?: string }>;
    };
    const byId = new Map(summary.checks.map((c) => [c.id, c]));
    expect(byId.get('MY-TS-BUG')).toMatchObject({
      status: 'broken',
      message: expect.stringMatching(/^harness error: TypeError: /),
    });
    expect(byId.get('MY-YAML-BUG')).toMatchObject({
      status: 'broken',
      message: expect.stringMatching(/^harness error: .*nothing to ACK/),
    });
    const traces = readdirSync(results)
      .filter((f) => f.endsWith('-result.json'))
      .map(
        (f) =>
          JSON.parse(readFileSync(path.join(results, f), 'utf8')) as {
            name: string;
            status: string;
            statusDetails?: { trace?: string };
          },
      );
    const ts = traces.find((t) => t.name.startsWith('MY-TS-BUG'))!;
    expect(ts.status).toBe('broken');
    expect(ts.statusDetails?.trace).toContain('MY-TS-BUG.check.ts');
    const yaml = traces.find((t) => t.name.startsWith('MY-YAML-BUG'))!;
    expect(yaml.status).toBe('broken');
    expect(yaml.statusDetails?.trace).toMatch(/outgoing-call|sip-agent/);
  }, 130_000);
});

test('no check turns any error into a SUT non-conformance (no .catch(... => ctx.fail(...)))', () => {
  const root = path.resolve(__dirname, '..', '..');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, name.name);
      if (name.isDirectory()) walk(p);
      else if (name.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(root, 'scenarios'));
  walk(path.join(root, 'src', 'scenario'));
  const broad =
    /\.catch\(\s*\([^)]*\)\s*=>\s*(?:\{\s*)?(?:return\s+)?ctx\.fail\(|catch\s*(?:\([^)]*\))?\s*\{\s*(?:return\s+)?ctx\.fail\(/;
  const offenders = files.filter((f) => broad.test(readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
  expect(offenders).toEqual([]);
});
