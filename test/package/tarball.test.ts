/**
 * The package as a user gets it: `npm pack` (prepack builds dist/), `npm install <tarball>` into an empty project,
 * then the guide's own check files (one YAML, one TypeScript, taken from docs/writing-checks.md as written) run
 * green from there with `npx sipconf run --scenarios ./checks`, beside the shipped checks and alone (--suite);
 * `require('sipconf')` works, a file importing `sipconf/check` type-checks, `npx sipconf list --json` lists both.
 * Slow-ish (an npm install with --prefer-offline, ~20-40 s); every child process is bounded.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DocExample, ROOT, docExamples } from './doc-examples';

interface Ran {
  stdout: string;
  stderr: string;
}

/** The environment of an outer `npm test` (npm_config_*, npm_lifecycle_*) must not steer the inner npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { FORCE_COLOR: '0', NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && !k.startsWith('JEST')) env[k] = v;
  return env;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, env: cleanEnv(), timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const why = (err as { killed?: boolean }).killed ? `did not finish within ${timeoutMs} ms` : err.message;
          reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}): ${why}\n${stderr}\n${stdout}`.slice(0, 8000)));
        } else resolve({ stdout, stderr });
      },
    );
  });
}

const work = mkdtempSync(path.join(tmpdir(), 'sipconf-tarball-'));
const project = path.join(work, 'project');
let tarball = '';
let examples: DocExample[] = [];

beforeAll(async () => {
  const packed = await run('npm', ['pack', '--pack-destination', work, '--silent'], ROOT, 180_000);
  tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);
  mkdirSync(project);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'my-pbx-conformance', version: '1.0.0', private: true }, null, 2),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project, 300_000);
  examples = docExamples([path.join('docs', 'writing-checks.md')]);
  for (const e of examples) {
    mkdirSync(path.dirname(path.join(project, e.file)), { recursive: true });
    writeFileSync(path.join(project, e.file), e.content);
  }
}, 500_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the tarball carries dist/, bin/, scenarios/, the schemas, the addon sources and README, and nothing else', async () => {
  const { stdout } = await run('tar', ['-tzf', tarball], work, 30_000);
  const files = stdout.split('\n').filter(Boolean);
  const tops = new Set(files.map((f) => f.split('/')[1]));
  expect([...tops].sort()).toEqual([
    'README.md',
    'bin',
    'binding.gyp',
    'dist',
    'docs',
    'native',
    'package.json',
    'scenarios',
  ]);
  for (const f of [
    'package/dist/index.js',
    'package/dist/index.d.ts',
    'package/dist/check.js',
    'package/dist/check.d.ts',
    'package/dist/cli/main.js',
    'package/dist/runner/jest-check.js',
    'package/dist/scenario/scenario-schema.json',
    'package/dist/sut/profile-schema.json',
    'package/native/udp_batch.c',
    'package/scenarios/sipp/uas.xml',
    'package/docs/writing-checks.md',
  ])
    expect(files).toContain(f);
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('package/scenarios/'))).toEqual(
    [],
  );
  // Shipped code runs as JavaScript: tsx is a development tool of the repository, not a dependency.
  const pkg = JSON.parse(readFileSync(path.join(project, 'node_modules', 'sipconf', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
  expect(existsSync(path.join(project, 'node_modules', 'tsx'))).toBe(false);
});

test('the guide gives one YAML and one TypeScript check to install, and a tsconfig.json', () => {
  expect(examples.map((e) => e.file).sort()).toEqual([
    'checks/MY-PBX-CALL.check.ts',
    'checks/MY-PBX-REGISTER.yaml',
    'tsconfig.json',
  ]);
});

test("require('sipconf') and require('sipconf/check') load the compiled API", async () => {
  const script =
    "const s = require('sipconf'); const c = require('sipconf/check');" +
    'console.log(JSON.stringify([typeof s.SipAgent, typeof s.Registrant, typeof s.ReferenceSut, typeof s.MockRegistrar,' +
    ' typeof c.defineCheck, typeof c.reachableParty, typeof c.inviteThroughSut, typeof c.registerFlows]))';
  const { stdout } = await run(process.execPath, ['-e', script], project, 30_000);
  expect(JSON.parse(stdout)).toEqual(Array(8).fill('function'));
}, 60_000);

test("the guide's tsconfig type-checks its checks and a file using both entry points (node16 and node10 resolution)", async () => {
  // checks/uses-api.ts is a helper module, not a check (only *.check.ts and *.yaml are).
  writeFileSync(
    path.join(project, 'checks', 'uses-api.ts'),
    [
      "import { ReferenceSut, SipAgent, type SipRequest } from 'sipconf';",
      "import { defineCheck, type CheckContext, type Party } from 'sipconf/check';",
      'export const api = { ReferenceSut, SipAgent, defineCheck };',
      'export type Used = [SipRequest, CheckContext, Party];',
      '',
    ].join('\n'),
  );
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', project], project, 120_000);
  // `exports` serve node16/bundler; typesVersions serves the older `moduleResolution: node`.
  await run(
    process.execPath,
    [tsc, '-p', project, '--module', 'commonjs', '--moduleResolution', 'node10'],
    project,
    120_000,
  );
}, 250_000);

test('npx sipconf list --json lists the shipped checks and the project’s own', async () => {
  const { stdout } = await run('npx', ['sipconf', 'list', '--json', '--scenarios', './checks'], project, 60_000);
  const list = JSON.parse(stdout) as Array<{ id: string; suite: string }>;
  const ids = list.map((c) => c.id);
  expect(ids).toEqual(expect.arrayContaining(['INVITE-2XX-ACK', 'REGISTER-200-OK', ...ownIds()]));
}, 90_000);

test('npx sipconf run --scenarios ./checks --suite my-pbx runs the project’s own checks green', async () => {
  const out = await run(
    'npx',
    ['sipconf', 'run', '--scenarios', './checks', '--suite', 'my-pbx', '--json', 'own.json'],
    project,
    120_000,
  );
  const summary = JSON.parse(readFileSync(path.join(project, 'own.json'), 'utf8')) as Summary;
  expect(summary.checks.map((c) => [c.id, c.status]).sort()).toEqual(ownIds().map((id) => [id, 'passed']));
  expect(out.stdout).toMatch(/Allure report: /);
  expect(existsSync(path.join(project, 'reports', 'allure-report', 'index.html'))).toBe(true);
}, 150_000);

test('npx sipconf run --scenarios ./checks runs them beside shipped checks against the reference SUT', async () => {
  // Shipped YAML (register) and TypeScript checks with helper modules (subscribe, refer), transpiled from the
  // package, and the project's own, in one run.
  const args = [
    'sipconf',
    'run',
    '--scenarios',
    './checks',
    '--suite',
    'register,subscribe,refer,my-pbx',
    '--no-report',
  ];
  await run('npx', [...args, '--json', 'all.json'], project, 180_000);
  const summary = JSON.parse(readFileSync(path.join(project, 'all.json'), 'utf8')) as Summary;
  expect(summary.totals.failed + summary.totals.broken).toBe(0);
  expect(summary.checks.map((c) => c.id)).toEqual(
    expect.arrayContaining(['REGISTER-200-OK', 'SUBSCRIBE-THROUGH-PROXY', 'REFER-THROUGH-PROXY']),
  );
  expect(summary.checks.length).toBeGreaterThan(15);
  for (const id of [...ownIds(), 'SUBSCRIBE-THROUGH-PROXY', 'REFER-THROUGH-PROXY'])
    expect(summary.checks.find((c) => c.id === id)?.status).toBe('passed');
}, 210_000);

interface Summary {
  totals: Record<'passed' | 'failed' | 'skipped' | 'broken', number>;
  checks: Array<{ id: string; status: string }>;
}

/** The ids the guide's example files declare. */
function ownIds(): string[] {
  return examples
    .filter((e) => e.file.startsWith('checks/'))
    .map((e) => /\bid: '?([A-Z0-9-]+)'?/.exec(e.content)![1]!)
    .sort();
}
