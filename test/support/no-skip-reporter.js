// Fails the run when any test is skipped or todo: a skipped test is not a passing one. Also prints the plain
// "N passed, N failed" closing line that CI reads.
class NoSkipReporter {
  constructor() {
    this.error = undefined;
  }
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    if (skipped > 0) {
      const names = [];
      for (const file of results.testResults) {
        for (const t of file.testResults)
          if (t.status === 'pending' || t.status === 'todo') names.push(`${file.testFilePath}: ${t.fullName}`);
      }
      this.error = new Error(`${skipped} test(s) skipped or todo; skipping is not passing:\n  ${names.join('\n  ')}`);
      process.stderr.write(`\n${this.error.message}\n`);
    }
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
  getLastError() {
    return this.error;
  }
}
module.exports = NoSkipReporter;
