/**
 * `sipconf merge DIR... [--out DIR] [--no-report]`: one result from the shards of a run. Each DIR is the reports
 * folder of one `sipconf run --shard I/N` (its summary.json, junit.xml and allure-results/, as a CI job uploads
 * it). Writes <out>/summary.json and <out>/junit.xml merged (report/merge.ts) and, unless --no-report, the Allure
 * report of every shard's results as one (<out>/allure-report). Exit 0 when every check passed (known deviations
 * do not count), 1 when one failed, 2 when the inputs are not the shards of one run.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { writeFileAtomic } from '../report/atomic-write';
import { generateReport, listResultFiles } from '../report/html';
import { MergeInputError, hasUnexpectedFailures, mergeJunit, mergeSummaries } from '../report/merge';
import { readSummary, writeSummary } from '../report/summary';
import type { SetExit } from './commands';

export interface MergeOptions {
  dirs: string[];
  out: string;
  report: boolean;
}

export async function mergeCommand(opts: MergeOptions, setExit: SetExit): Promise<void> {
  const dirs = opts.dirs.map((d) => path.resolve(d));
  for (const d of dirs)
    if (!existsSync(path.join(d, 'summary.json')))
      throw new MergeInputError(`${d} has no summary.json (pass the --reports-dir of each \`sipconf run --shard\`)`);
  const out = path.resolve(opts.out);
  if (dirs.includes(out)) throw new MergeInputError(`--out ${opts.out} is one of the folders to merge`);
  const summary = mergeSummaries(dirs.map((d) => ({ from: d, summary: readSummary(path.join(d, 'summary.json')) })));
  writeSummary(path.join(out, 'summary.json'), summary);
  const junits = dirs
    .map((d) => path.join(d, 'junit.xml'))
    .filter((f) => existsSync(f))
    .map((f) => ({ from: f, xml: readFileSync(f, 'utf8') }));
  writeFileAtomic(path.join(out, 'junit.xml'), mergeJunit(junits, `sipconf against ${summary.target}`));
  const t = summary.totals;
  process.stdout.write(
    `merged ${dirs.length} result folder(s): ${summary.checks.length} checks — ${t.passed} passed, ${t.failed} failed, ` +
      `${t.broken} broken, ${t.skipped} skipped\n${pc.dim(`${path.join(out, 'summary.json')}, ${path.join(out, 'junit.xml')}`)}\n`,
  );
  if (opts.report) {
    // A shard may have had no check to run (more shards than checks): it has no results to report.
    const resultsDirs = dirs
      .map((d) => path.join(d, 'allure-results'))
      .filter((r) => existsSync(r) && listResultFiles(r).length > 0);
    if (resultsDirs.length === 0) throw new MergeInputError('no shard has Allure results (allure-results/)');
    const rep = await generateReport({
      resultsDir: resultsDirs,
      outDir: path.join(out, 'allure-report'),
      historyPath: false,
    });
    process.stdout.write(pc.dim(`Allure report: ${rep.indexHtml} (${rep.resultCount} results)\n`));
  }
  setExit(hasUnexpectedFailures(summary) ? 1 : 0);
}

export function registerMergeCommand(program: Command, setExit: SetExit): void {
  program
    .command('merge')
    .description(
      'merge the reports folders of a sharded run (sipconf run --shard I/N) into one summary, JUnit and report',
    )
    .argument('<dir...>', 'the reports folder of each shard (summary.json, junit.xml, allure-results/)')
    .option('--out <dir>', 'where the merged summary.json, junit.xml and allure-report/ go', 'reports')
    .option('--no-report', 'merge summary and JUnit only, no HTML report')
    .action(async (dirs: string[], o: { out: string; report: boolean }) => {
      await mergeCommand({ dirs, out: o.out, report: o.report }, setExit);
    });
}
