import { resolve } from 'node:path';
import { buildSippArgs, SippArgsError, socketProtocol, transportMode, type SippArgsInput } from '../../src/sipp/args';

const files = { stats: '/run/stats.csv', errors: '/run/errors.log', screen: '/run/screen.log' };
const base: SippArgsInput = { builtin: 'uac', localAddress: '127.0.0.1', localPort: 5070, files };

function after(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe('buildSippArgs', () => {
  test('every option lands on its SIPp flag, traces go to the run dir, target comes last, never -bg', () => {
    const a = buildSippArgs({
      ...base,
      target: '127.0.0.1:5060',
      transport: 'tcp',
      rate: 50,
      ratePeriodMs: 2000,
      callLimit: 10,
      calls: 100,
      callLengthMs: 0,
      service: 'bob',
      sippTimeoutS: 20,
      recvTimeoutMs: 3000,
      bufferSize: 1048576,
      statsPeriodS: 2,
      keys: { instance: 'urn:uuid:1' },
      variables: { user: 'alice' },
      files: { ...files, messages: '/run/messages.log', logs: '/run/actions.log' },
    });
    expect(after(a, '-sn')).toBe('uac');
    expect(after(a, '-t')).toBe('t1');
    expect(after(a, '-i')).toBe('127.0.0.1');
    expect(after(a, '-p')).toBe('5070');
    expect(after(a, '-r')).toBe('50');
    expect(after(a, '-rp')).toBe('2000ms');
    expect(after(a, '-l')).toBe('10');
    expect(after(a, '-m')).toBe('100');
    expect(after(a, '-d')).toBe('0');
    expect(after(a, '-s')).toBe('bob');
    expect(after(a, '-timeout')).toBe('20s');
    expect(a).toContain('-timeout_error');
    expect(after(a, '-recv_timeout')).toBe('3000ms');
    expect(after(a, '-buff_size')).toBe('1048576');
    expect(after(a, '-stf')).toBe('/run/stats.csv');
    expect(after(a, '-fd')).toBe('2s');
    expect(after(a, '-error_file')).toBe('/run/errors.log');
    expect(after(a, '-message_file')).toBe('/run/messages.log');
    expect(after(a, '-log_file')).toBe('/run/actions.log');
    expect(after(a, '-screen_file')).toBe('/run/screen.log');
    expect(a).toEqual(
      expect.arrayContaining([
        '-trace_stat',
        '-trace_err',
        '-trace_msg',
        '-trace_logs',
        '-trace_screen',
        '-trace_rtt',
        '-nostdin',
      ]),
    );
    expect(after(a, '-rtt_freq')).toBe('1');
    expect(a.slice(a.indexOf('-key'), a.indexOf('-key') + 3)).toEqual(['-key', 'instance', 'urn:uuid:1']);
    expect(a.slice(a.indexOf('-set'), a.indexOf('-set') + 3)).toEqual(['-set', 'user', 'alice']);
    expect(a[a.length - 1]).toBe('127.0.0.1:5060');
    expect(a).not.toContain('-bg');
  });

  test('optional traces are off unless asked for; a scenario file is made absolute', () => {
    const a = buildSippArgs(
      {
        ...base,
        builtin: undefined,
        scenarioFile: 'scenarios/sipp/uas.xml',
        oocScenarioFile: 'x/ooc.xml',
        traceRtt: false,
      },
      '/home/u',
    );
    expect(after(a, '-sf')).toBe('/home/u/scenarios/sipp/uas.xml');
    expect(after(a, '-oocsf')).toBe('/home/u/x/ooc.xml');
    expect(a).not.toContain('-trace_msg');
    expect(a).not.toContain('-trace_logs');
    expect(a).not.toContain('-trace_rtt');
    expect(a).not.toContain('-m');
  });

  test('extra args pass through; their file values are resolved against the caller, since SIPp runs in the run dir', () => {
    const a = buildSippArgs({ ...base, extraArgs: ['-inf', 'users.csv', '-aa', '-max_retrans', '3'] }, '/home/u');
    expect(a.slice(a.indexOf('-inf'), a.indexOf('-inf') + 2)).toEqual(['-inf', resolve('/home/u', 'users.csv')]);
    expect(a).toEqual(expect.arrayContaining(['-aa', '-max_retrans', '3']));
  });

  test.each(['-bg', '-sf', '-p', '-stf', '-trace_stat', '-t'])('extra arg %s is refused (sipconf owns it)', (flag) => {
    expect(() => buildSippArgs({ ...base, extraArgs: [flag, 'x'] })).toThrow(SippArgsError);
  });

  test('-bg is refused with the reason', () => {
    expect(() => buildSippArgs({ ...base, extraArgs: ['-bg'] })).toThrow(/foreground/);
  });

  test('bad numbers and a missing/double scenario are refused', () => {
    expect(() => buildSippArgs({ ...base, rate: 0 })).toThrow(/rate must be a positive number/);
    expect(() => buildSippArgs({ ...base, calls: -1 })).toThrow(/calls/);
    expect(() => buildSippArgs({ ...base, localPort: 70000 })).toThrow(/localPort/);
    expect(() => buildSippArgs({ ...base, builtin: undefined })).toThrow(/exactly one/);
    expect(() => buildSippArgs({ ...base, scenarioFile: 'a.xml' })).toThrow(/exactly one/);
  });

  test('transport modes', () => {
    expect([
      transportMode('udp'),
      transportMode('tcp'),
      transportMode('tls'),
      transportMode('un'),
      transportMode(),
    ]).toEqual(['u1', 't1', 'l1', 'un', 'u1']);
    expect([socketProtocol('udp'), socketProtocol('un'), socketProtocol('tcp'), socketProtocol('ln')]).toEqual([
      'udp',
      'udp',
      'tcp',
      'tcp',
    ]);
  });
});
