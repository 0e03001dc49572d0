/** `sipconf list [--suite LIST] [--json]`: every check with id, suite, title and RFC sections. */
import type { Command } from 'commander';
import { loadChecks, selectChecks } from '../scenario/registry';
import type { SetExit } from './commands';

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
    .action((o: { suite?: string[]; grep?: string; json?: boolean; scenarios?: string[] }) => {
      // A bad scenario file throws ScenarioError (file:line): exit 2 through exit-codes.ts.
      const checks = selectChecks(loadChecks(o.scenarios), { suites: o.suite, grep: o.grep });
      if (o.json) {
        const out = checks.map((c) => ({
          id: c.id,
          suite: c.suite,
          title: c.title,
          rfc: c.rfc,
          severity: c.severity,
          roles: c.roles,
          requires: c.requires,
          kind: c.source.endsWith('.ts') ? 'typescript' : 'yaml',
          source: c.source.replace(/^.*\/(scenarios\/)/, '$1'),
        }));
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return;
      }
      const w = Math.max(...checks.map((c) => c.id.length), 2);
      let suite = '';
      for (const c of checks) {
        if (c.suite !== suite) {
          suite = c.suite;
          process.stdout.write(`\n${suite}\n`);
        }
        process.stdout.write(`  ${c.id.padEnd(w)}  ${c.title}\n  ${' '.repeat(w)}  ${c.rfc.join(', ')}\n`);
      }
      process.stdout.write(`\n${checks.length} check(s)\n`);
    });
}
