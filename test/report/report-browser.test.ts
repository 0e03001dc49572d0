/**
 * End to end: a real jest run of test/fixtures/report/sample.check.ts (allure-jest environment, allure-js-commons
 * labels, steps, a failing step, ladder SVG and pcap attachments) → Allure results → `generateReport` (Allure
 * Report 3, single file) → opened over file:// in headless Chromium (Debian /usr/bin/chromium driven by
 * playwright-core, no browser download). Asserts what a user must see: both checks, the failing step with its
 * classified message, the ladder rendered as an image, the pcap offered for download — and the downloaded pcap
 * decodes as SIP in tshark. A second run into the same results dir shows the trend in the test's History tab.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeAllureRunFiles } from '../../src/report/allure-files';
import { generateReport, listResultFiles } from '../../src/report/html';
import { runSampleChecks } from './sample-run';
import { requireTool, tshark } from './tools';

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

jest.setTimeout(240_000); // generous: the machine may be loaded (CI runners, parallel jobs); every wait inside is bounded

describe('the HTML report in a real browser (Allure Report 3, single file, file://)', () => {
  let dir: string;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipconf-report-browser-'));
    const executablePath = requireTool('chromium');
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the checks, a step, the ladder SVG and the pcap attachment of a real jest run', async () => {
    const results = join(dir, 'allure-results');
    const run = await runSampleChecks(results);
    expect(run).toEqual({ passed: 1, failed: 1 });
    expect(listResultFiles(results)).toHaveLength(2);
    writeAllureRunFiles(
      results,
      { sutName: 'sample SUT', sutVersion: '1.0', target: '127.0.0.1:5070', harnessVersion: '0.1.0' },
      { ciEnv: { CI: 'true' } },
    );

    const report = await generateReport({ resultsDir: results, outDir: join(dir, 'allure-report') });
    expect(readFileSync(report.indexHtml, 'utf8')).not.toContain('googletagmanager');

    const context = await browser!.newContext({ viewport: { width: 1400, height: 1100 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const failedRequests: string[] = [];
    page.on('requestfailed', (r) => failedRequests.push(r.url()));
    await page.goto(`file://${report.indexHtml}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    // The overview lists both checks (the tree shows the failing one expanded by default; open the other group).
    await page.getByText('sipconf — SIP conformance').first().waitFor({ timeout: 30_000 });
    await page.getByText('OUTBOUND-FAILOVER-430: the edge answers 430').first().waitFor();
    await page.getByText('register', { exact: true }).first().click();
    await page.getByText('REGISTER-200-OK: REGISTER on a TCP flow is answered 200').first().waitFor();

    // The failing check: classified message, category, RFC link, steps, attachments.
    await page.getByText('OUTBOUND-FAILOVER-430: the edge answers 430').first().click();
    await page.getByText('Category: SUT non-conformance').waitFor();
    const rfc = page.getByRole('link', { name: 'RFC 5626 §5.3' });
    expect(await rfc.getAttribute('href')).toBe('https://www.rfc-editor.org/rfc/rfc5626#section-5.3');
    await page.getByText('alice calls bob: expect the INVITE on flow tcp-2').waitFor();
    expect(await page.getByText('bob registers two flows of one instance').isVisible()).toBe(true);
    expect(
      await page
        .getByText(/^SUT non-conformance: INVITE was answered 430 Flow Failed/)
        .first()
        .isVisible(),
    ).toBe(true);

    // The ladder: an image of our SVG, decoded by the browser at its real size.
    await page.getByText('trace ladder', { exact: true }).click();
    const ladder = page.locator('img[src^="blob:"]').first();
    await ladder.waitFor();
    // (the tsconfig has no DOM lib: the image is typed structurally)
    type Img = {
      complete: boolean;
      naturalWidth: number;
      naturalHeight: number;
      addEventListener(ev: 'load', f: () => void): void;
    };
    const size = await ladder.evaluate(
      (el) =>
        new Promise<[number, number]>((res) => {
          const img = el as unknown as Img;
          if (img.complete) res([img.naturalWidth, img.naturalHeight]);
          else img.addEventListener('load', () => res([img.naturalWidth, img.naturalHeight]));
        }),
    );
    expect(size[0]).toBeGreaterThan(800);
    expect(size[1]).toBeGreaterThan(15 * 30);
    await ladder.scrollIntoViewIfNeeded();
    mkdirSync('reports', { recursive: true });
    await page.screenshot({ path: 'reports/report-screenshot.png', fullPage: true });

    // The pcap: listed with its type, and its download is the file we wrote — tshark reads it as SIP.
    const pcapRow = page.getByTestId('test-result-attachment').filter({ hasText: 'trace.pcap' });
    await pcapRow.waitFor();
    expect(await pcapRow.innerText()).toContain('application/vnd.tcpdump.pcap');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      pcapRow.locator('button').last().click(),
    ]);
    const pcapFile = join(dir, 'downloaded.pcap');
    await download.saveAs(pcapFile);
    expect(readFileSync(pcapFile).readUInt32LE(0)).toBe(0xa1b2c3d4);
    const methods = tshark(['-r', pcapFile, '-Y', 'sip', '-T', 'fields', '-e', 'sip.CSeq.method']).trim().split('\n');
    expect(methods).toHaveLength(12);
    expect(methods.filter((m) => m === 'REGISTER')).toHaveLength(4);

    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    await context.close();
  });

  it('keeps history across runs into the same results dir: the second report shows the first run in History', async () => {
    const results = join(dir, 'allure-results');
    const again = await generateReport({ resultsDir: results, outDir: join(dir, 'allure-report') });
    expect(again.historyAppended).toBe(false); // same results: no invented trend point
    const historyLines = () => readFileSync(again.historyPath!, 'utf8').trim().split('\n').length;
    expect(historyLines()).toBe(1);

    rmSync(results, { recursive: true, force: true });
    await runSampleChecks(results);
    const second = await generateReport({ resultsDir: results, outDir: join(dir, 'allure-report') });
    expect(second.historyAppended).toBe(true);
    expect(historyLines()).toBe(2);

    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
    const p = await context.newPage();
    p.setDefaultTimeout(30_000);
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(`file://${second.indexHtml}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await p.getByText('OUTBOUND-FAILOVER-430: the edge answers 430').first().click();
    await p.getByTestId('test-result-tab-history').click();
    await p
      .getByText(/^\d{1,2}\/\d{1,2}\/\d{4} at \d{2}:\d{2}:\d{2}$/)
      .first()
      .waitFor();
    await p.screenshot({ path: 'reports/report-history-screenshot.png', fullPage: true });
    // the tab counts one earlier run, and lists it with its date and duration
    expect((await p.getByTestId('test-result-tab-history').innerText()).replace(/\s+/g, ' ').trim()).toBe('History 1');
    const body = await p.locator('body').innerText();
    const historyPart = body.slice(body.indexOf('Environments'));
    expect(historyPart).toMatch(/\d{1,2}\/\d{1,2}\/\d{4} at \d{2}:\d{2}:\d{2}\s+\d+ms/);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
