/**
 * The configuration a run hands to its jest workers (through a JSON file named by SIPCONF_RUN_CONFIG): the SUT as
 * the checks see it, where results go, what to mask, and how long a check may take at most.
 */
import { readFileSync } from 'node:fs';
import type { SutInfo } from '../scenario/check';

export interface RunConfig {
  sut: SutInfo;
  resultsDir: string;
  /** Values that must never reach reports (passwords). */
  secrets: string[];
  /** Upper bound for one check, after which it is reported as a timeout. */
  checkTimeoutMs: number;
  /** Names for endpoints in ladders, e.g. { "127.0.0.1:5060": "SUT" }. */
  endpointNames: Record<string, string>;
  /** Known deviations recorded in the SUT profile, by check id. */
  expectedFailures: Record<string, { rfc: string; reason: string }>;
  /** The SUT's log file, when there is one: each check attaches what was written while it ran. */
  sutLogPath?: string;
  /** Parameters shown in every check's report (transport, T1 ...). */
  parameters: Record<string, string>;
  /** Lock files of the accounts pool's leases, shared by every worker of the run (account-leases.ts). */
  leaseDir: string;
  /** Role ua with start: the profile file; each check starts its own instance of the UA (ua-launcher.ts). */
  uaProfile?: string;
}

export const RUN_CONFIG_ENV = 'SIPCONF_RUN_CONFIG';

export function readRunConfig(): RunConfig {
  const file = process.env[RUN_CONFIG_ENV];
  if (!file) throw new Error(`${RUN_CONFIG_ENV} is not set: check files are run by "sipconf run", not directly`);
  return JSON.parse(readFileSync(file, 'utf8')) as RunConfig;
}
