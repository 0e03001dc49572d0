/**
 * The HTML report: Allure Report 3 (the `allure` npm package — pure Node, no Java, offline) turns an Allure results
 * directory into a single self-contained `index.html` that works over file:// (awesome plugin, `singleFile`).
 * The Allure CLI runs as a child process with a bounded time, from a config file we write, so nothing of its ESM
 * internals leaks into our CommonJS build.
 *
 * History: Allure 3 keeps trends in a JSONL file (`historyPath`), one data point per generated report. We keep it
 * beside the results directory (`<parent>/<results-dir-name>-history.jsonl`, i.e. reports/allure-results-history.jsonl)
 * so a runner that empties the results directory before each run does not lose it, and we append a point only when
 * the results changed since the last report, so re-generating the same results does not invent a trend point.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { FAILURE_CATEGORIES, type AllureCategory } from './failures';

export const DEFAULT_RESULTS_DIR = 'reports/allure-results';
export const DEFAULT_REPORT_DIR = 'reports/allure-report';
export const DEFAULT_REPORT_NAME = 'sipconf — SIP conformance';

/** Bad input for the report (missing or empty results): the CLI maps it to exit code 2. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

export interface GenerateReportOptions {
  /** One results directory, or several (the shards of one run on several machines): one report of them all. */
  resultsDir: string | readonly string[];
  outDir: string;
  /** Trend history file; default beside the results dir (see the file comment); false: no history. */
  historyPath?: string | false;
  reportName?: string;
  /** One self-contained index.html (default true); false writes the multi-file report, which needs HTTP. */
  singleFile?: boolean;
  /** Bound on the Allure child process (default 120 s). */
  timeoutMs?: number;
  categories?: readonly AllureCategory[];
}

export interface GeneratedReport {
  outDir: string;
  indexHtml: string;
  historyPath?: string;
  /** False when the same results were reported before and no trend point was added. */
  historyAppended: boolean;
  resultCount: number;
  durationMs: number;
}

/** `<parent>/<name>-history.jsonl` for results dir `<parent>/<name>`. */
export function defaultHistoryPath(resultsDir: string): string {
  const abs = resolve(resultsDir);
  return join(dirname(abs), `${basename(abs)}-history.jsonl`);
}

/** The `*-result.json` files in the results dir (the test results; containers and attachments are not counted). */
export function listResultFiles(resultsDir: string): string[] {
  return readdirSync(resultsDir)
    .filter((f) => f.endsWith('-result.json'))
    .sort();
}

/** Throws ReportInputError with one clear line when the directory is missing, not a directory, or has no results. */
export function checkResultsDir(resultsDir: string): number {
  if (!existsSync(resultsDir))
    throw new ReportInputError(
      `no Allure results: ${resultsDir} does not exist (run \`sipconf run\` first, or pass --results-dir)`,
    );
  if (!statSync(resultsDir).isDirectory())
    throw new ReportInputError(`no Allure results: ${resultsDir} is not a directory`);
  const n = listResultFiles(resultsDir).length;
  if (n === 0)
    throw new ReportInputError(
      `no Allure results: ${resultsDir} holds no *-result.json files (run \`sipconf run\` first)`,
    );
  return n;
}

/** Path of the Allure 3 CLI script inside node_modules. */
export function allureCliPath(): string {
  const entry = require.resolve('allure'); // …/allure/dist/index.js
  const cli = join(dirname(entry), '..', 'cli.js');
  if (!existsSync(cli)) throw new Error(`Allure CLI not found at ${cli} (is the "allure" package installed?)`);
  return cli;
}

function resultsFingerprint(resultsDirs: readonly string[]): string {
  const h = createHash('sha256');
  for (const dir of resultsDirs) for (const f of listResultFiles(dir)) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

function runAllure(args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [allureCliPath(), ...args],
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, BROWSER: 'true', NO_COLOR: '1' },
      },
      (err, stdout, stderr) => {
        if (!err) return resolvePromise();
        const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-8).join('\n');
        const why = (err as NodeJS.ErrnoException & { killed?: boolean }).killed
          ? `did not finish within ${timeoutMs} ms`
          : `failed (${err.message.split('\n')[0]})`;
        reject(new Error(`allure generate ${why}${tail ? `:\n${tail}` : ''}`));
      },
    );
  });
}

/** Generates the report; returns where index.html is. */
export async function generateReport(opts: GenerateReportOptions): Promise<GeneratedReport> {
  const started = performance.now();
  const resultsDirs = (typeof opts.resultsDir === 'string' ? [opts.resultsDir] : [...opts.resultsDir]).map((d) =>
    resolve(d),
  );
  if (resultsDirs.length === 0) throw new ReportInputError('no Allure results directory given');
  const outDir = resolve(opts.outDir);
  let resultCount = 0;
  for (const resultsDir of resultsDirs) {
    resultCount += checkResultsDir(resultsDir);
    if (outDir === resultsDir || resultsDir.startsWith(outDir + sep))
      throw new ReportInputError(`--out ${opts.outDir} must not be (or contain) the results dir ${resultsDir}`);
  }
  mkdirSync(outDir, { recursive: true });

  const historyPath =
    opts.historyPath === false ? undefined : resolve(opts.historyPath ?? defaultHistoryPath(resultsDirs[0]!));
  let appendHistory = false;
  let fingerprint = '';
  if (historyPath) {
    fingerprint = resultsFingerprint(resultsDirs);
    const markFile = `${historyPath}.last`;
    appendHistory =
      !existsSync(markFile) || readFileSync(markFile, 'utf8').trim() !== fingerprint || !existsSync(historyPath);
  }
  const config = {
    name: opts.reportName ?? DEFAULT_REPORT_NAME,
    output: outDir,
    ...(historyPath ? { historyPath, appendHistory } : {}),
    categories: {
      rules: (opts.categories ?? FAILURE_CATEGORIES).map((c) => ({
        name: c.name,
        matchedStatuses: c.matchedStatuses,
        ...(c.messageRegex ? { messageRegex: c.messageRegex } : {}),
      })),
    },
    plugins: {
      awesome: {
        options: {
          singleFile: opts.singleFile ?? true,
          reportName: opts.reportName ?? DEFAULT_REPORT_NAME,
          groupBy: ['parentSuite', 'suite', 'subSuite'],
        },
      },
    },
  };
  const tmp = mkdtempSync(join(tmpdir(), 'sipconf-allurerc-'));
  try {
    const configPath = join(tmp, 'allurerc.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    await runAllure(
      ['generate', ...resultsDirs, '--config', configPath, '--output', outDir, '--cwd', tmp],
      opts.timeoutMs ?? 120_000,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const indexHtml = join(outDir, 'index.html');
  if (!existsSync(indexHtml)) throw new Error(`allure generate wrote no ${indexHtml}`);
  const patched = patchReportHtml(readFileSync(indexHtml, 'utf8'));
  if (patched.changed) writeFileAtomic(indexHtml, patched.html);
  if (historyPath && appendHistory) writeFileAtomic(`${historyPath}.last`, fingerprint + '\n');
  return {
    outDir,
    indexHtml,
    historyPath,
    historyAppended: appendHistory,
    resultCount,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * Two fixes to Allure 3.18's awesome index.html:
 * - single-file mode: the app script runs before the inline script that declares `window.allureReportData`, so
 *   when the app asks for its data first it falls back to fetch(), which file:// forbids, and the report hangs on
 *   its spinner (seen in headless Chromium here). Moving that small declaration into <head> makes the app wait
 *   for the embedded data instead.
 * - the page loads Google Analytics (googletagmanager.com); a report about a user's PBX opened offline or on a
 *   build server should not call out, so those two script tags are removed.
 * When a future Allure changes this markup the patterns do not match and the file is left as it is.
 */
export function patchReportHtml(html: string): {
  html: string;
  changed: boolean;
  movedDataDeclaration: boolean;
  removedAnalytics: boolean;
} {
  let out = html;
  let movedDataDeclaration = false;
  let removedAnalytics = false;
  const marker = out.indexOf('window.allureReportDataReady = false');
  const headEnd = out.indexOf('</head>');
  if (marker > 0 && headEnd > 0 && headEnd < marker) {
    const start = out.lastIndexOf('<script', marker);
    const end = out.indexOf('</script>', marker);
    if (start > headEnd && end > marker) {
      const block = out.slice(start, end + '</script>'.length).replace('<script async>', '<script>');
      out = out.slice(0, start) + out.slice(end + '</script>'.length);
      out = out.slice(0, headEnd) + block + '\n' + out.slice(headEnd);
      movedDataDeclaration = true;
    }
  }
  const analytics =
    /<script async src="https:\/\/www\.googletagmanager\.com\/[^"]*"><\/script>\s*<script>(?:(?!<\/script>)[\s\S])*?gtag\((?:(?!<\/script>)[\s\S])*<\/script>/;
  if (analytics.test(out)) {
    out = out.replace(analytics, '');
    removedAnalytics = true;
  }
  return { html: out, changed: movedDataDeclaration || removedAnalytics, movedDataDeclaration, removedAnalytics };
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.pcap': 'application/vnd.tcpdump.pcap',
};

export interface ServedReport {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a report directory over HTTP on 127.0.0.1 only (never all interfaces). Port 0 picks a free port.
 * Only files inside the directory are served; anything else is 404.
 */
export function serveReport(dir: string, opts: { port?: number } = {}): Promise<ServedReport> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let file = resolve(root, '.' + pathname);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(404).end('not found');
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (e) =>
      reject(new Error(`cannot serve the report on 127.0.0.1:${opts.port ?? 0}: ${e.message}`)),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolvePromise({
        url: `http://127.0.0.1:${port}/`,
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
