/**
 * `sipconf list [--suite LIST] [--json]`: every check with id, suite, title, RFC sections and ETSI test purposes;
 * `--coverage`: per RFC section and per ETSI TS 102 027-2 group, the checks that cover it and the share covered.
 */
import type { Command } from 'commander';
import type { CheckDefinition } from '../scenario/check';
import { computeCoverage } from '../scenario/etsi/coverage';
import { loadChecks, selectChecks } from '../scenario/registry';
import type { SetExit } from './commands';
import { renderCoverage } from './coverage-text';

interface ListOptions {
  suite?: string[];
  grep?: string;
  json?: boolean;
  coverage?: boolean;
  scenarios?: string[];
}

export function registerListCommand(program: Command, _setExit: SetExit): void {
  program
    .command('list')
    .description('list the conformance checks')
    .option('--suite <list>', 'comma-separated suites', (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option('--grep <text>', 'only checks whose id or title contains this')
    .option(
      '--scenarios <dir>',
      'also load the checks in this folder (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--json', 'machine-readable output')
    .option('--coverage', 'RFC sections and ETSI TS 102 027-2 test purposes covered by the (selected) checks')
    .action((o: ListOptions) => {
      // A bad scenario file throws ScenarioError (file:line): exit 2 through exit-codes.ts.
      const checks = selectChecks(loadChecks(o.scenarios), { suites: o.suite, grep: o.grep });
      if (o.coverage) {
        const cov = computeCoverage(checks);
        process.stdout.write(o.json ? JSON.stringify(cov, null, 2) + '\n' : renderCoverage(cov));
        return;
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(checks.map(listEntry), null, 2) + '\n');
        return;
      }
      const w = Math.max(...checks.map((c) => c.id.length), 2);
      let suite = '';
      for (const c of checks) {
        if (c.suite !== suite) {
          suite = c.suite;
          process.stdout.write(`\n${suite}\n`);
        }
        const refs = [...c.rfc, ...(c.etsi ?? [])].join(', ');
        process.stdout.write(`  ${c.id.padEnd(w)}  ${c.title}\n  ${' '.repeat(w)}  ${refs}\n`);
      }
      process.stdout.write(`\n${checks.length} check(s)\n`);
    });
}

/** One check of `list --json`: the contract `{id, suite, title, rfc, etsi, roles, capabilities}` and where it lives. */
function listEntry(c: CheckDefinition) {
  return {
    id: c.id,
    suite: c.suite,
    title: c.title,
    rfc: c.rfc,
    etsi: c.etsi ?? [],
    roles: c.roles,
    capabilities: c.requires,
    severity: c.severity,
    kind: c.source.endsWith('.ts') ? 'typescript' : 'yaml',
    source: c.source.replace(/^.*\/(scenarios\/)/, '$1'),
  };
}
