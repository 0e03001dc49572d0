/**
 * The CLI's one error-to-exit-code mapper (src/cli/exit-codes.ts): bad input is exit 2 with one line naming the
 * command and the fault (file:line for profiles and scenarios); anything else is exit 2 marked as an internal error.
 */
import { CommanderError } from 'commander';
import { describeExit } from '../../src/cli/exit-codes';
import { ScenarioError } from '../../src/scenario/yaml-scenario';
import { SutStartError } from '../../src/sut/managed';
import { ProfileError } from '../../src/sut/profile';
import { UsageError } from '../../src/transport/usage-error';
import { main } from '../../src/cli/main';

describe('describeExit', () => {
  test('a usage error: exit 2, one line with the command', () => {
    expect(describeExit('load', new UsageError('give --duration S or --calls N'))).toEqual({
      code: 2,
      line: 'sipconf load: give --duration S or --calls N',
    });
  });

  test('a bad profile names file:line, one line even with several problems', () => {
    const e = new ProfileError([
      { file: 'p.yaml', line: 6, message: 'unknown key favourite_colour' },
      { file: 'p.yaml', line: 2, message: 'role must be one of proxy, registrar, b2bua, ua' },
    ]);
    expect(describeExit('run', e)).toEqual({
      code: 2,
      line: 'sipconf run: p.yaml:2: role must be one of proxy, registrar, b2bua, ua (and 1 more in the file)',
    });
  });

  test('a bad scenario names file:line', () => {
    expect(describeExit('list', new ScenarioError('s.yaml', 4, 'unknown step "sendd"')).line).toBe(
      'sipconf list: s.yaml:4: unknown step "sendd"',
    );
  });

  test("a SUT that cannot start: only the first line (the SUT's log excerpt stays in the report)", () => {
    const e = new SutStartError('kamailio exited with code 255 before it was ready', '  | ERROR: bad config');
    expect(describeExit('run', e)).toEqual({
      code: 2,
      line: 'sipconf run: kamailio exited with code 255 before it was ready',
    });
  });

  test('a failed system call is the environment, not a harness bug', () => {
    const e = Object.assign(new Error("EACCES: permission denied, mkdir '/r'"), { syscall: 'mkdir', code: 'EACCES' });
    expect(describeExit('report', e).line).toBe("sipconf report: EACCES: permission denied, mkdir '/r'");
  });

  test('anything else is exit 2 marked as an internal error', () => {
    expect(describeExit('run', new TypeError('x is undefined'))).toEqual({
      code: 2,
      line: 'sipconf run: internal error: x is undefined',
    });
  });

  test("commander's own errors: it printed them; help is exit 0", () => {
    expect(describeExit(undefined, new CommanderError(1, 'commander.unknownOption', 'x'))).toEqual({ code: 2 });
    expect(describeExit(undefined, new CommanderError(0, 'commander.helpDisplayed', 'x'))).toEqual({ code: 0 });
  });
});

describe('main maps a thrown usage error to exit 2 and one stderr line', () => {
  test('sipconf lint on a missing file', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => {
      writes.push(String(s));
      return true;
    });
    try {
      expect(await main(['lint', '/nonexistent/message.sip'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(writes).toEqual(['sipconf lint: cannot read /nonexistent/message.sip: ENOENT\n']);
  });
});
