/**
 * The files beside the test results that Allure reads for the whole run: environment.properties (what was tested,
 * with what), categories.json (why checks failed — see failures.ts) and executor.json (which CI build ran it).
 * Allure 3 reads all three from the results directory; categories are also passed in the report config by
 * html.ts, since Allure 3's awesome report takes categories from its config.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLabels, checkLinks, type AllureLabel, type CheckMeta } from './allure-check';
import { writeFileAtomic } from './atomic-write';
import { FAILURE_CATEGORIES, type AllureCategory } from './failures';
import { maskSecrets } from './entry-label';

export interface RunEnvironment {
  sutName?: string;
  sutVersion?: string;
  /** "127.0.0.1:5070", "embedded reference SUT", … */
  target?: string;
  transport?: string;
  harnessVersion?: string;
  /** Defaults to process.version. */
  nodeVersion?: string;
  /** More key/value pairs, shown after the standard ones. */
  extra?: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** Java .properties escaping (what Allure parses): backslash, separators, comment starts, newlines, non-ASCII. */
function escapeProperty(s: string, isKey: boolean): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '=' || ch === ':' || ch === '#' || ch === '!' || (isKey && ch === ' ')) out += `\\${ch}`;
    else if (c < 0x20 || c > 0x7e) {
      const units = c > 0xffff ? [0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff)] : [c];
      out += units.map((u) => `\\u${u.toString(16).padStart(4, '0')}`).join('');
    } else out += ch;
  }
  return out;
}

export function environmentProperties(env: RunEnvironment, opts: { secrets?: readonly string[] } = {}): string {
  const pairs: [string, string | number | boolean | undefined][] = [
    ['sut.name', env.sutName],
    ['sut.version', env.sutVersion],
    ['target', env.target],
    ['transport', env.transport],
    ['harness.version', env.harnessVersion],
    ['node.version', env.nodeVersion ?? process.version],
    ...Object.entries(env.extra ?? {}),
  ];
  const lines = pairs
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${escapeProperty(k, true)}=${escapeProperty(maskSecrets(String(v), opts.secrets), false)}`);
  return lines.join('\n') + '\n';
}

export function writeEnvironmentProperties(
  resultsDir: string,
  env: RunEnvironment,
  opts: { secrets?: readonly string[] } = {},
): string {
  const path = join(resultsDir, 'environment.properties');
  writeFileAtomic(path, environmentProperties(env, opts));
  return path;
}

export function writeCategories(
  resultsDir: string,
  categories: readonly AllureCategory[] = FAILURE_CATEGORIES,
): string {
  const path = join(resultsDir, 'categories.json');
  writeFileAtomic(path, JSON.stringify(categories, null, 2) + '\n');
  return path;
}

/** Allure's executor.json: the CI system and build that produced the results. */
export interface AllureExecutor {
  name: string;
  type: string;
  url?: string;
  buildOrder?: number;
  buildName?: string;
  buildUrl?: string;
  reportUrl?: string;
  reportName?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const num = (v: string | undefined): number | undefined => (v && /^\d+$/.test(v) ? Number(v) : undefined);

/** Detects GitHub Actions, GitLab CI, Jenkins, or any CI that sets CI=true; undefined on a developer machine. */
export function detectExecutor(env: Env = process.env): AllureExecutor | undefined {
  if (env.GITHUB_ACTIONS === 'true') {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const repo = env.GITHUB_REPOSITORY;
    return {
      name: 'GitHub Actions',
      type: 'github',
      url: repo ? `${server}/${repo}` : undefined,
      buildOrder: num(env.GITHUB_RUN_NUMBER),
      buildName:
        [env.GITHUB_WORKFLOW, env.GITHUB_RUN_NUMBER && `#${env.GITHUB_RUN_NUMBER}`].filter(Boolean).join(' ') ||
        undefined,
      buildUrl: repo && env.GITHUB_RUN_ID ? `${server}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
    };
  }
  if (env.GITLAB_CI === 'true') {
    return {
      name: 'GitLab CI',
      type: 'gitlab',
      url: env.CI_PROJECT_URL,
      buildOrder: num(env.CI_PIPELINE_IID) ?? num(env.CI_PIPELINE_ID),
      buildName:
        [env.CI_JOB_NAME, env.CI_PIPELINE_IID && `#${env.CI_PIPELINE_IID}`].filter(Boolean).join(' ') || undefined,
      buildUrl: env.CI_JOB_URL ?? env.CI_PIPELINE_URL,
    };
  }
  if (env.JENKINS_URL && env.BUILD_NUMBER) {
    return {
      name: 'Jenkins',
      type: 'jenkins',
      url: env.JENKINS_URL,
      buildOrder: num(env.BUILD_NUMBER),
      buildName: [env.JOB_NAME, `#${env.BUILD_NUMBER}`].filter(Boolean).join(' '),
      buildUrl: env.BUILD_URL,
    };
  }
  if (env.CI === 'true' || env.CI === '1') {
    return {
      name: 'CI',
      type: 'ci',
      buildName: env.BUILD_ID ?? env.CI_BUILD_ID ?? undefined,
      buildOrder: num(env.BUILD_NUMBER),
    };
  }
  return undefined;
}

/** Writes executor.json when a CI is detected; returns its path, or undefined when there is no CI. */
export function writeExecutor(
  resultsDir: string,
  env: Env = process.env,
  extra: Partial<AllureExecutor> = {},
): string | undefined {
  const ex = detectExecutor(env);
  if (!ex) return undefined;
  const clean = Object.fromEntries(Object.entries({ ...ex, ...extra }).filter(([, v]) => v !== undefined && v !== ''));
  const path = join(resultsDir, 'executor.json');
  writeFileAtomic(path, JSON.stringify(clean, null, 2) + '\n');
  return path;
}

/** All three at once: what a runner calls after (or before) the jest run. */
export function writeAllureRunFiles(
  resultsDir: string,
  env: RunEnvironment,
  opts: { secrets?: readonly string[]; ciEnv?: Env } = {},
): string[] {
  const written = [writeEnvironmentProperties(resultsDir, env, opts), writeCategories(resultsDir)];
  const ex = writeExecutor(resultsDir, opts.ciEnv ?? process.env);
  if (ex) written.push(ex);
  return written;
}

/**
 * Gives every skipped result of these checks its reason: a check that does not apply to the SUT is a skipped jest
 * test, which allure-jest records without any message, so the report would not say why. `reasons` maps a check id to
 * the reason; a result is matched by its name, `ID — title`. With the check's meta, the result also gets the labels,
 * testCaseId and RFC links a check that ran has (its body, which sets them, never runs), so the report groups it
 * under its suite like the others. Returns how many results were annotated.
 */
export function annotateSkippedResults(
  resultsDir: string,
  reasons: Readonly<Record<string, string>>,
  metas: Readonly<Record<string, CheckMeta>> = {},
): number {
  const ids = Object.keys(reasons);
  if (ids.length === 0) return 0;
  let annotated = 0;
  for (const file of readdirSync(resultsDir)) {
    if (!file.endsWith('-result.json')) continue;
    const path = join(resultsDir, file);
    let result: SkippedResult;
    try {
      result = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      continue; // not ours to judge: allure reports unreadable results itself
    }
    if (result.status !== 'skipped' || typeof result.name !== 'string') continue;
    const id = ids.find((i) => (result.name as string).startsWith(`${i} — `));
    if (id === undefined) continue;
    result.statusDetails = { ...result.statusDetails, message: `not applicable to this SUT: ${reasons[id]}` };
    const meta = metas[id];
    if (meta) placeLikeARunCheck(result, meta);
    writeFileAtomic(path, JSON.stringify(result));
    annotated++;
  }
  return annotated;
}

interface SkippedResult {
  name?: unknown;
  status?: unknown;
  statusDetails?: { message?: string };
  labels?: AllureLabel[];
  links?: Array<{ url: string; name?: string; type?: string }>;
  testCaseId?: string;
}

/** The labels, testCaseId and links reportCheckMeta gives a check that runs; allure-jest's own labels stay. */
function placeLikeARunCheck(result: SkippedResult, meta: CheckMeta): void {
  const ours = checkLabels(meta);
  const names = new Set(ours.map((l) => l.name));
  result.labels = [...(result.labels ?? []).filter((l) => !names.has(l.name)), ...ours];
  result.links = [...(result.links ?? []), ...checkLinks(meta)];
  result.testCaseId = meta.id;
}
