/**
 * Runs test/fixtures/report/sample.check.ts through jest's runCLI with the allure-jest environment, writing Allure
 * results into a directory of the caller's choosing. Used by the report tests to get real results, not hand-made JSON.
 */
import { resolve } from 'node:path';
import { runCLI } from 'jest';

const ROOT = resolve(__dirname, '..', '..');

export interface SampleRun {
  passed: number;
  failed: number;
}

export async function runSampleChecks(resultsDir: string): Promise<SampleRun> {
  const config = {
    rootDir: ROOT,
    roots: ['<rootDir>/test/fixtures/report'],
    testMatch: ['<rootDir>/test/fixtures/report/*.check.ts'],
    testEnvironment: 'allure-jest/node',
    testEnvironmentOptions: { resultsDir },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
      ],
    },
    reporters: [],
    cacheDirectory: resolve(ROOT, 'node_modules/.cache/jest-report-fixture'),
  };
  const { results } = await runCLI(
    {
      config: JSON.stringify(config),
      runInBand: true,
      silent: true,
      ci: true,
      watchman: false,
      _: [],
      $0: 'jest',
    } as Parameters<typeof runCLI>[0],
    [ROOT],
  );
  return { passed: results.numPassedTests, failed: results.numFailedTests };
}
