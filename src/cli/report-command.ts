/**
 * `sipconf report [--results-dir DIR ...] [--out DIR] [--open] [--port N]`: turns Allure results into the HTML report
 * (Allure Report 3, offline, one self-contained index.html by default); several --results-dir (the shards of one
 * run, from several CI machines) make one report. `--open` serves it on 127.0.0.1 only and
 * prints the URL until interrupted. Missing or empty results → exit 2 with one line.
 */
import type { Command } from 'commander';
import { isAbsolute, relative } from 'node:path';
import { DEFAULT_REPORT_DIR, DEFAULT_RESULTS_DIR, generateReport, ReportInputError, serveReport } from '../report/html';

export interface ReportCommandOptions {
  /** One or more results directories (shards of one run): one report. */
  resultsDir: string | string[];
  out: string;
  open?: boolean;
  port?: string;
  history?: string | false;
  name?: string;
  singleFile?: boolean;
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

/** A path as the user would type it: relative below the working directory, absolute elsewhere. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function parsePort(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new ReportInputError(`invalid --port "${v}" (expected 0–65535)`);
  return Number(v);
}

/** Resolves when SIGINT or SIGTERM arrives (the --open server runs until then). */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

/** Writes the report (and serves it with --open). Any failure is thrown: exit 2 through exit-codes.ts. */
export async function reportCommand(opts: ReportCommandOptions, setExit: (code: number) => void): Promise<void> {
  const port = parsePort(opts.port);
  const r = await generateReport({
    resultsDir: opts.resultsDir,
    outDir: opts.out,
    historyPath: opts.history,
    reportName: opts.name,
    singleFile: opts.singleFile ?? true,
  });
  const shown = display(r.indexHtml);
  const history = r.historyPath
    ? `; history ${display(r.historyPath)} (${r.historyAppended ? 'trend point added' : 'results unchanged, no new trend point'})`
    : '';
  say(`report: ${shown} (${r.resultCount} results, ${r.durationMs} ms${history})`);
  if (opts.open) {
    const served = await serveReport(r.outDir, { port });
    say(`serving the report at ${served.url} (127.0.0.1 only; Ctrl-C to stop)`);
    await untilInterrupted();
    await served.close();
  }
  setExit(0);
}

export function registerReportCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('turn Allure results into the HTML report (Allure Report 3, offline, single file)')
    .option(
      '--results-dir <dir>',
      `Allure results directory; repeat it to report several (the shards of one run) as one (default: ${DEFAULT_RESULTS_DIR})`,
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--out <dir>', 'report directory (index.html is written there)', DEFAULT_REPORT_DIR)
    .option('--open', 'serve the report on 127.0.0.1 and print its URL')
    .option('--port <n>', 'port for --open (default: a free port)')
    .option('--history <file>', 'trend history file (default: <results-dir>-history.jsonl beside the results dir)')
    .option('--no-history', 'no trend history')
    .option('--name <name>', 'report title')
    .option('--multi-file', 'write the multi-file report (needs HTTP to view) instead of one index.html')
    .action(
      async (o: {
        resultsDir: string[];
        out: string;
        open?: boolean;
        port?: string;
        history?: string | boolean;
        name?: string;
        multiFile?: boolean;
      }) => {
        await reportCommand(
          {
            resultsDir: o.resultsDir.length ? o.resultsDir : DEFAULT_RESULTS_DIR,
            out: o.out,
            open: o.open,
            port: o.port,
            history: o.history === false ? false : typeof o.history === 'string' ? o.history : undefined,
            name: o.name,
            singleFile: !o.multiFile,
          },
          setExit,
        );
      },
    );
}
