import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  checkResultsDir,
  defaultHistoryPath,
  generateReport,
  patchReportHtml,
  ReportInputError,
  serveReport,
} from '../../src/report/html';
import { runSampleChecks } from './sample-run';

const ROOT = resolve(__dirname, '..', '..');
const ENTRY = join(__dirname, 'report-cli-entry.ts');

/** Runs the report command in a child process; resolves with exit code and output. Bounded. */
function runReport(
  args: string[],
  opts: { untilStdout?: RegExp; onMatch?: (m: RegExpMatchArray, kill: () => void) => void; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let matched = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `report command did not finish within ${opts.timeoutMs ?? 60000} ms; stdout: ${stdout} stderr: ${stderr}`,
        ),
      );
    }, opts.timeoutMs ?? 60000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = opts.untilStdout && !matched ? stdout.match(opts.untilStdout) : null;
      if (m) {
        matched = true;
        opts.onMatch?.(m, () => child.kill('SIGTERM'));
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string; remote: string }> {
  return new Promise((res, rej) => {
    const req = httpRequest(url, { agent: false }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body, remote: r.socket?.remoteAddress ?? '' }));
    });
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

describe('sipconf report', () => {
  let dir: string;
  let results: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipconf-report-cmd-'));
    results = join(dir, 'allure-results');
    await runSampleChecks(results);
  }, 60000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 with one clear line when the results dir is missing or empty', async () => {
    const missing = await runReport(['report', '--results-dir', join(dir, 'nope'), '--out', join(dir, 'out')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([
      `sipconf report: no Allure results: ${join(dir, 'nope')} does not exist (run \`sipconf run\` first, or pass --results-dir)`,
    ]);
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'empty', 'environment.properties'), 'a=b\n');
    const empty = await runReport(['report', '--results-dir', join(dir, 'empty'), '--out', join(dir, 'out')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^sipconf report: no Allure results: .*empty holds no \*-result\.json files/);
    expect(empty.stderr.trim().split('\n')).toHaveLength(1);
    const badPort = await runReport(['report', '--results-dir', results, '--out', join(dir, 'out'), '--port', 'x']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr.trim()).toBe('sipconf report: invalid --port "x" (expected 0–65535)');
  }, 60000);

  it('writes a single self-contained index.html and exits 0', async () => {
    const out = join(dir, 'report-a');
    const r = await runReport(['report', '--results-dir', results, '--out', out, '--no-history']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^report: .*report-a\/index\.html \(2 results, \d+ ms\)\n$/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html.includes('"reportName":"sipconf — SIP conformance"')).toBe(true);
    expect(html.includes('d("data/attachments/')).toBe(true); // attachments embedded
    expect(html.match(/<script[^>]+src="(?!data:)[^"]*"/g)).toBeNull(); // every script inline: works from file:// and offline
    expect(existsSync(defaultHistoryPath(results))).toBe(false);
  }, 90000);

  it('--open serves the report on 127.0.0.1 only, prints the URL, and stops on SIGTERM with exit 0', async () => {
    const out = join(dir, 'report-b');
    let page: { status: number; body: string; remote: string } | undefined;
    let traversal: { status: number } | undefined;
    const r = await runReport(
      ['report', '--results-dir', results, '--out', out, '--open', '--port', '0', '--no-history'],
      {
        untilStdout: /serving the report at (http:\/\/127\.0\.0\.1:(\d+)\/)/,
        onMatch: (m, kill) => {
          void (async () => {
            try {
              page = await httpGet(m[1]);
              traversal = await httpGet(`${m[1]}..%2f..%2fetc%2fpasswd`);
            } finally {
              kill();
            }
          })();
        },
      },
    );
    expect(r.code).toBe(0);
    expect(page?.status).toBe(200);
    expect(page?.remote).toBe('127.0.0.1');
    expect(page?.body.includes('"reportName":"sipconf — SIP conformance"')).toBe(true);
    expect(traversal?.status).toBe(404);
  }, 90000);
});

describe('report generation details', () => {
  it('names the fault for a results path that is a file, and keeps --out away from the results', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sipconf-report-x-'));
    try {
      writeFileSync(join(d, 'file'), 'x');
      expect(() => checkResultsDir(join(d, 'file'))).toThrow(ReportInputError);
      expect(() => checkResultsDir(join(d, 'file'))).toThrow(
        `no Allure results: ${join(d, 'file')} is not a directory`,
      );
      mkdirSync(join(d, 'r'));
      writeFileSync(join(d, 'r', 'x-result.json'), '{}');
      await expect(generateReport({ resultsDir: join(d, 'r'), outDir: d })).rejects.toThrow(
        'must not be (or contain) the results dir',
      );
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('moves the data declaration before the app and drops analytics; leaves unknown markup alone', () => {
    const html = [
      '<html><head><script>window.allureReportOptions = {}</script></head><body><div id="app"></div>',
      '<script src="data:text/javascript;base64,AAAA"></script>',
      '<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>',
      "<script>\n window.dataLayer = []; function gtag(){} gtag('config', 'G-X', {});\n</script>",
      '<script async>\n window.allureReportDataReady = false;\n window.allureReportData = {};\n function d(n, v) {}\n</script>',
      '<script defer>Promise.allSettled([d("a","b")]).then(() => { window.allureReportDataReady = true; })</script>',
      '</body></html>',
    ].join('\n');
    const p = patchReportHtml(html);
    expect(p).toMatchObject({ changed: true, movedDataDeclaration: true, removedAnalytics: true });
    expect(p.html).not.toContain('googletagmanager');
    expect(p.html).not.toContain('gtag(');
    const decl = p.html.indexOf('window.allureReportDataReady = false');
    expect(decl).toBeGreaterThan(0);
    expect(decl).toBeLessThan(p.html.indexOf('</head>'));
    expect(decl).toBeLessThan(p.html.indexOf('data:text/javascript'));
    expect(p.html).toContain('Promise.allSettled([d("a","b")])');
    expect(patchReportHtml('<html><head></head><body>x</body></html>')).toMatchObject({
      changed: false,
      html: '<html><head></head><body>x</body></html>',
    });
  });

  it('serves only files inside the report dir, on 127.0.0.1', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sipconf-serve-'));
    const served = await serveReport(d);
    try {
      writeFileSync(join(d, 'index.html'), '<p>hi</p>');
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(await httpGet(served.url)).toMatchObject({ status: 200, body: '<p>hi</p>' });
      expect((await httpGet(`${served.url}missing`)).status).toBe(404);
      expect((await httpGet(`${served.url}%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    } finally {
      await served.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
