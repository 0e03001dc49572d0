/**
 * A jest reporter for `sipconf run`: one line per check as it ends (✓/✗/○, id, time, and the first line of the
 * reason), nothing else — the summary table is printed by the runner once everything is counted.
 */
import pc from 'picocolors';
import type { AggregatedResult, Test, TestResult } from '@jest/reporters';

interface Options {
  skipReasons?: Record<string, string>;
  expected?: Record<string, { rfc: string; reason: string }>;
}

export default class ProgressReporter {
  private done = 0;
  constructor(
    _globalConfig: unknown,
    private readonly opts: Options = {},
  ) {}

  onRunStart(results: AggregatedResult): void {
    process.stdout.write(pc.dim(`running ${results.numTotalTestSuites} check(s)\n`));
  }

  onTestResult(_test: Test, result: TestResult): void {
    for (const t of result.testResults) {
      this.done++;
      const id = t.title.split(' — ')[0] ?? t.title;
      const ms = t.duration ?? 0;
      if (t.status === 'passed') process.stdout.write(`${pc.green('✓')} ${id} ${pc.dim(`(${ms} ms)`)}\n`);
      else if (t.status === 'pending' || t.status === 'skipped')
        process.stdout.write(`${pc.yellow('○')} ${id} ${pc.dim(`skipped: ${this.opts.skipReasons?.[id] ?? ''}`)}\n`);
      else {
        const first = (t.failureDetails[0] as { message?: string } | undefined)?.message ?? t.failureMessages[0] ?? '';
        const known = this.opts.expected?.[id];
        const mark = known ? pc.yellow('✗') : pc.red('✗');
        process.stdout.write(
          `${mark} ${id} ${pc.dim(`(${ms} ms)`)}${known ? pc.yellow(' known deviation') : ''}\n    ${first.split('\n')[0]}\n`,
        );
      }
    }
    if (result.testExecError)
      process.stdout.write(`${pc.red('✗')} ${result.testFilePath}: ${result.testExecError.message.split('\n')[0]}\n`);
  }

  getLastError(): Error | undefined {
    return undefined;
  }
}
