/**
 * The YAML scenario format: a bad file names file:line and what is wrong (exit 2 through the CLI), references are
 * checked before anything runs, and a user's own folder of checks runs like the shipped ones.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadScenario, ScenarioError } from '../../src/scenario/yaml-scenario';

const GOOD = `id: MY-REGISTER
suite: custom
title: My registrar accepts a REGISTER
rfc: [RFC 3261 §10.3]
severity: normal
sut: { roles: [proxy, registrar], requires: [registrar] }
agents:
  bob: {}
steps:
  - register: { agent: bob, expires: 60, expect: 200, as: ok }
  - assert: { message: ok, contacts: { includes: [bob] }, rfc: RFC 3261 §10.3 }
`;

function errorOf(text: string): ScenarioError {
  try {
    loadScenario('/x/my.yaml', text);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('scenario loader errors name file:line', () => {
  test('a valid scenario loads with its metadata', () => {
    const c = loadScenario('/x/my.yaml', GOOD);
    expect(c).toEqual(
      expect.objectContaining({
        id: 'MY-REGISTER',
        suite: 'custom',
        rfc: ['RFC 3261 §10.3'],
        roles: ['proxy', 'registrar'],
        requires: ['registrar'],
      }),
    );
  });
  test('YAML syntax error', () => {
    const e = errorOf(GOOD.replace('agents:\n  bob: {}', 'agents:\n  bob: {\n'));
    expect(e.message).toMatch(/^\/x\/my\.yaml:\d+: YAML syntax/);
  });
  test('unknown key in a step, at its line', () => {
    const e = errorOf(GOOD.replace('expires: 60,', 'expire: 60,'));
    expect(e.message).toBe('/x/my.yaml:10: steps.0.register: unknown key "expire"');
  });
  test('an unquoted list of sections inside { } is named as such', () => {
    const e = errorOf(GOOD.replace('rfc: RFC 3261 §10.3 }', 'rfc: RFC 3261 §10.3, §10.2 }'));
    expect(e.message).toMatch(/:11: steps\.1\.assert: unknown key "§10\.2" \(inside \{ \} quote a list of sections/);
  });
  test('an RFC reference without a section', () => {
    const e = errorOf(GOOD.replace('rfc: [RFC 3261 §10.3]', 'rfc: [RFC 3261]'));
    expect(e.message).toMatch(/^\/x\/my\.yaml:4: rfc\.0: must match pattern/);
  });
  test('a step naming an agent that does not exist', () => {
    const e = errorOf(GOOD.replace('register: { agent: bob,', 'register: { agent: carol,'));
    expect(e.message).toBe('/x/my.yaml:10: step 1 (register): agent "carol" is not an agent defined before');
  });
  test('a step using a name no earlier step saved', () => {
    const e = errorOf(GOOD.replace('assert: { message: ok,', 'assert: { message: nope,'));
    expect(e.message).toBe('/x/my.yaml:11: step 2 (assert): message "nope" is not a saved name defined before');
  });
  const CALL = [
    '  - invite: { from: alice, to: bob, as: call }',
    '  - expect: { agent: bob, request: INVITE, as: inv }',
    '  - register: { agent: bob, as: ok }',
  ];
  test.each([
    [
      'respond to a call',
      '  - respond: { to: call, status: 200 }',
      'step 4 (respond): to "call" is a call (saved by invite), not a received request (saved by expect … request)',
    ],
    [
      'ack a received request',
      '  - ack: inv',
      'step 4 (ack): ack "inv" is a received request (saved by expect … request), not a call (saved by invite) or a request we sent (saved by request, bye or cancel)',
    ],
    [
      'bye on a response',
      '  - bye: { call: ok, as: b }',
      'step 4 (bye): call "ok" is a response (saved by register or expect … response), not a call (saved by invite)',
    ],
    [
      'expect a response to a received request',
      '  - expect: { response: inv, status: 200 }',
      'step 4 (expect): response "inv" is a received request (saved by expect … request), not a call (saved by invite) or a request we sent (saved by request, bye or cancel)',
    ],
  ])('a saved name of the wrong kind fails at load, at its line (%s)', (_what, step, message) => {
    const text = GOOD.replace(
      /agents:[\s\S]*$/,
      ['agents:', '  alice: {}', '  bob: { register: true }', 'steps:', ...CALL, step, ''].join('\n'),
    );
    const lineNo = text.split('\n').indexOf(step) + 1;
    expect(errorOf(text).message).toBe(`/x/my.yaml:${lineNo}: ${message}`);
  });
  test('the shipped INVITE-BYE scenario, whose names are all of the right kind, loads', () => {
    const file = path.resolve(__dirname, '..', '..', 'scenarios', 'invite', 'INVITE-BYE.yaml');
    expect(loadScenario(file, readFileSync(file, 'utf8')).id).toBe('INVITE-BYE');
  });
  test('two kinds in one step', () => {
    const e = errorOf(
      GOOD.replace(
        '  - assert: { message: ok, contacts: { includes: [bob] }, rfc: RFC 3261 §10.3 }',
        '  - { wait: 10, ack: x }',
      ),
    );
    expect(e.message).toMatch(/:11: steps\.1: a step has exactly one kind/);
  });
});

describe('user scenario folders through the CLI', () => {
  const root = path.resolve(__dirname, '..', '..');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sipconf-user-scenarios-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a bad user scenario: exit 2 and one line naming file:line', () => {
    writeFileSync(path.join(dir, 'bad.yaml'), GOOD.replace('severity: normal', 'severity: urgent'));
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'sipconf'), 'list', '--scenarios', dir], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(
      `${path.join(dir, 'bad.yaml')}:5: severity: must be one of blocker, critical, normal, minor, trivial`,
    );
  }, 40_000);

  test('a good user scenario runs against the embedded SUT like a shipped one', () => {
    rmSync(path.join(dir, 'bad.yaml'), { force: true });
    writeFileSync(path.join(dir, 'MY-REGISTER.yaml'), GOOD);
    const out = path.join(dir, 'out');
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
        path.join(out, 'res'),
        '--reports-dir',
        out,
        '--json',
        path.join(out, 's.json'),
      ],
      { cwd: root, encoding: 'utf8', timeout: 90_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/MY-REGISTER/);
  }, 100_000);
});
