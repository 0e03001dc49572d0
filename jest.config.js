// Jest configuration for the harness's own tests (`npm test`). The conformance checks that `sipconf run` executes
// use src/runner/jest-config.ts instead.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'allure-jest/node',
  testEnvironmentOptions: {
    resultsDir: process.env.SIPCONF_TEST_RESULTS_DIR || 'reports/test-allure-results',
  },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // The shipped checks import the public entry points by name, as a user's checks do.
  moduleNameMapper: { '^sipconf$': '<rootDir>/src/index.ts', '^sipconf/check$': '<rootDir>/src/check.ts' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  // CI has 2 cores; the suites are mostly I/O-bound (real sockets, real peers), so two workers pay off.
  maxWorkers: 2,
  reporters: [
    'default',
    ['jest-junit', { outputDirectory: 'reports', outputName: 'junit-tests.xml' }],
    '<rootDir>/test/support/no-skip-reporter.js',
  ],
};
