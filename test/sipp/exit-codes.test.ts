import { extractSippErrors, interpretSippExit } from '../../src/sipp/exit-codes';

describe('SIPp exit codes → verdicts (sipp -h, "Exit codes")', () => {
  const calls = { total: 5, successful: 3, failed: 2 };
  test.each([
    [0, 'passed', true],
    [1, 'failed', false],
    [97, 'aborted', false],
    [99, 'no-calls', false],
    [255, 'fatal', false],
    [-1, 'fatal', false],
    [254, 'bind-failed', false],
    [-2, 'bind-failed', false],
    [42, 'crashed', false],
  ] as const)('exit %i → %s', (code, status, ok) => {
    const v = interpretSippExit({ code, signal: null });
    expect(v.status).toBe(status);
    expect(v.ok).toBe(ok);
    expect(v.message.length).toBeGreaterThan(10);
  });

  test('exit 1 names the counts and the first error', () => {
    const v = interpretSippExit({
      code: 1,
      signal: null,
      calls,
      errors: ['Call-Id: 1-2@x, receive timeout on message register:5'],
    });
    expect(v.message).toBe(
      'at least one call failed (3 of 5 calls succeeded, 2 failed): Call-Id: 1-2@x, receive timeout on message register:5',
    );
  });

  test('exit 1 with "Unable to load or parse" and no calls is fatal (SIPp could not run the scenario), not a failed call', () => {
    const v = interpretSippExit({
      code: 1,
      signal: null,
      errors: ["Unable to load or parse 'bad.xml' xml scenario file"],
    });
    expect(v.status).toBe('fatal');
    expect(v.message).toMatch(/could not run the scenario: Unable to load or parse 'bad\.xml'/);
  });

  test('exit 254 carries SIPp’s bind error', () => {
    const v = interpretSippExit({
      code: 254,
      signal: null,
      errors: ['Unable to bind main socket, errno = 98 (Address already in use)'],
    });
    expect(v.message).toBe(
      'SIPp could not bind its socket (exit 254): Unable to bind main socket, errno = 98 (Address already in use)',
    );
  });

  test('our hard bound wins over whatever exit code the kill produced', () => {
    expect(interpretSippExit({ code: 0, signal: null, timedOut: true, timeoutMs: 1500 })).toEqual({
      status: 'timeout',
      ok: false,
      message: 'SIPp did not finish within the hard bound of 1500 ms and was killed',
    });
    expect(interpretSippExit({ code: null, signal: 'SIGKILL', timedOut: true, timeoutMs: 10 }).status).toBe('timeout');
  });

  test("SIPp's own -timeout_error (exit 255, 'timed out after') is a timeout, not a generic fatal error", () => {
    const v = interpretSippExit({ code: 255, signal: null, errors: ["uac timed out after '2.000' seconds"] });
    expect(v.status).toBe('timeout');
  });

  test('stop(): exit 0 or our own signal → stopped; ok only when no call failed', () => {
    expect(
      interpretSippExit({ code: 0, signal: null, stopRequested: true, calls: { total: 2, successful: 2, failed: 0 } }),
    ).toEqual(expect.objectContaining({ status: 'stopped', ok: true }));
    expect(interpretSippExit({ code: null, signal: 'SIGUSR1', stopRequested: true }).status).toBe('stopped');
    expect(interpretSippExit({ code: 0, signal: null, stopRequested: true, calls }).ok).toBe(false);
    // A failed call before the stop is still a failure.
    expect(interpretSippExit({ code: 1, signal: null, stopRequested: true, calls }).status).toBe('failed');
  });

  test('a signal nobody sent is a crash', () => {
    expect(interpretSippExit({ code: null, signal: 'SIGSEGV' })).toEqual(
      expect.objectContaining({ status: 'crashed', ok: false, message: 'SIPp was ended by signal SIGSEGV' }),
    );
  });
});

describe('extractSippErrors', () => {
  test('strips the timestamp, de-duplicates and splits messages glued together in the error log', () => {
    const text =
      "Resolving remote host '127.0.0.1'... Done.\n" +
      '2026-11-24\t05:20:53.169181\t1795497653.169181: Unable to bind main socket, errno = 98 (Address already in use)\n' +
      '2026-11-24\t05:20:53.169181\t1795497653.169181: Unable to bind main socket, errno = 98 (Address already in use)\n' +
      'The following events occurred:\n2026-11-24\t05:22:28.302673\t1795497748.302673: first2026-11-24\t05:22:28.304435\t1795497748.304435: second\n';
    expect(extractSippErrors(text)).toEqual([
      'Unable to bind main socket, errno = 98 (Address already in use)',
      'first',
      'second',
    ]);
  });
});
