/**
 * The catalogue of checks: every `*.yaml` scenario and `*.check.ts` module under the scenarios folder (SUT
 * targets and SIPp XML excluded), validated, with unique ids.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CheckDefinition } from './check';
import { installCheckLoader } from './check-loader';
import { etsiClaimProblem } from './etsi/catalogue';
import { tryParseRfcRef } from '../report/rfc';
import { ScenarioError, loadScenario } from './yaml-scenario';

export const SCENARIOS_DIR = path.resolve(__dirname, '..', '..', 'scenarios');
const SKIP_DIRS = new Set(['targets', 'sipp', 'node_modules']);

export function checkFiles(dir = SCENARIOS_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(p);
      } else if (name.endsWith('.yaml') || name.endsWith('.yml') || name.endsWith('.check.ts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function loadCheck(file: string): CheckDefinition {
  const def = loadDefinition(file);
  checkTraceability(def, file);
  return def;
}

function loadDefinition(file: string): CheckDefinition {
  if (file.endsWith('.check.ts')) {
    installCheckLoader();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a check file named at run time, loaded synchronously
    const mod = require(file) as { default?: CheckDefinition };
    const def = mod.default;
    if (!def || typeof def.run !== 'function' || !def.id)
      throw new ScenarioError(
        file,
        undefined,
        'a .check.ts module must `export default defineCheck({...}, __filename)`',
      );
    return { ...def, source: file };
  }
  return loadScenario(file);
}

/**
 * A check cites at least one RFC section, each in a form rfc.ts reads, and every `etsi:` id names a catalogued,
 * non-void purpose for a role the check plays; else a ScenarioError at the line that mentions it.
 */
function checkTraceability(def: CheckDefinition, file: string): void {
  if (!def.rfc?.length) throw new ScenarioError(file, undefined, 'rfc: a check cites the RFC sections it asserts');
  for (const ref of def.rfc) {
    if (!tryParseRfcRef(ref))
      throw new ScenarioError(
        file,
        lineMentioning(file, ref),
        `rfc: "${ref}" is not an RFC reference (RFC 3261 §16.6)`,
      );
  }
  for (const id of def.etsi ?? []) {
    const problem = etsiClaimProblem(id, def);
    if (problem) throw new ScenarioError(file, lineMentioning(file, id), `etsi: ${problem}`);
  }
}

function lineMentioning(file: string, text: string): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const i = lines.findIndex((l) => l.includes(text));
  return i < 0 ? undefined : i + 1;
}

/**
 * Loads every check of the shipped scenarios and of any extra folders (a user's own checks); a bad file or a
 * duplicate id throws a ScenarioError naming the file.
 */
export function loadChecks(extraDirs: string[] = []): CheckDefinition[] {
  const checks: CheckDefinition[] = [];
  const seen = new Map<string, string>();
  const files: string[] = [];
  for (const dir of [SCENARIOS_DIR, ...extraDirs.map((d) => path.resolve(d))]) {
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new ScenarioError(dir, undefined, 'no such scenarios folder');
    files.push(...checkFiles(dir));
  }
  for (const f of [...new Set(files)]) {
    const c = loadCheck(f);
    const prev = seen.get(c.id);
    if (prev) throw new ScenarioError(f, undefined, `check id ${c.id} is already defined in ${prev}`);
    seen.set(c.id, f);
    checks.push(c);
  }
  return checks.sort((a, b) => suiteOrder(a.suite) - suiteOrder(b.suite) || a.id.localeCompare(b.id));
}

const ORDER = ['invite', 'register', 'outbound', 'outbound-ua', 'sipp', 'robustness'];
function suiteOrder(s: string): number {
  const i = ORDER.indexOf(s);
  return i < 0 ? ORDER.length : i;
}

export interface Selection {
  suites?: string[];
  grep?: string;
  shard?: { index: number; total: number };
}

/** Filters by suite, grep (id or title, case-insensitive) and shard I/N (round-robin over the sorted list). */
export function selectChecks(all: CheckDefinition[], sel: Selection): CheckDefinition[] {
  let out = all;
  if (sel.suites?.length) out = out.filter((c) => sel.suites!.includes(c.suite));
  if (sel.grep) {
    const g = sel.grep.toLowerCase();
    out = out.filter((c) => c.id.toLowerCase().includes(g) || c.title.toLowerCase().includes(g));
  }
  if (sel.shard) out = out.filter((_c, i) => i % sel.shard!.total === sel.shard!.index - 1);
  return out;
}
