/**
 * `npm run api:check` / `npm run api:update`: the public surface of the two entry points, `sipconf` and
 * `sipconf/check`, as API Extractor reports (etc/sipconf.api.md, etc/sipconf-check.api.md) made from the
 * declarations the build emits. `api:check` (exit 1) fails when they differ from the checked-in reports, so a
 * change to the public API is always deliberate: `api:update` rewrites them, and the diff goes into the commit.
 * The declarations are emitted into .tmp/api-dts (not dist/, which `npm pack` owns).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel, type IConfigFile } from '@microsoft/api-extractor';

const ROOT = path.resolve(__dirname, '..');
const DTS = path.join(ROOT, '.tmp', 'api-dts');

export const ENTRY_POINTS = [
  { name: 'sipconf', dts: 'index.d.ts', report: 'sipconf.api.md' },
  { name: 'sipconf/check', dts: 'check.d.ts', report: 'sipconf-check.api.md' },
] as const;

export interface ApiReportResult {
  entry: string;
  report: string;
  changed: boolean;
  errors: number;
}

function emitDeclarations(): void {
  rmSync(DTS, { recursive: true, force: true });
  mkdirSync(DTS, { recursive: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--outDir', DTS];
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', timeout: 180_000 });
}

function configFor(entry: (typeof ENTRY_POINTS)[number]): IConfigFile {
  return {
    projectFolder: ROOT,
    mainEntryPointFilePath: path.join(DTS, entry.dts),
    compiler: { tsconfigFilePath: path.join(ROOT, 'tsconfig.build.json') },
    apiReport: {
      enabled: true,
      reportFileName: entry.report.replace(/\.api\.md$/, ''),
      reportFolder: path.join(ROOT, 'etc'),
      reportTempFolder: path.join(ROOT, '.tmp', 'api-report'),
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      // The surface is the report; release tags (@public/@beta) and TSDoc style are not used in this project.
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning },
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        'ae-undocumented': { logLevel: ExtractorLogLevel.None },
        // A type the API uses without exporting it is listed in the report ("not exported"), not an error.
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
      },
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
    },
  };
}

/** Builds the declarations and compares (update: rewrites) each entry point's report. */
export function apiReports(update: boolean): ApiReportResult[] {
  emitDeclarations();
  return ENTRY_POINTS.map((entry) => {
    const config = ExtractorConfig.prepare({
      configObject: configFor(entry),
      configObjectFullPath: path.join(ROOT, 'etc', `api-extractor.json`),
      packageJsonFullPath: path.join(ROOT, 'package.json'),
    });
    const r = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
    return {
      entry: entry.name,
      report: path.join('etc', entry.report),
      changed: r.apiReportChanged,
      errors: r.errorCount,
    };
  });
}

if (require.main === module) {
  const update = process.argv.includes('--update');
  const results = apiReports(update);
  let failed = false;
  for (const r of results) {
    if (r.errors) failed = true;
    if (r.changed && !update) {
      failed = true;
      process.stderr.write(
        `api: the public API of '${r.entry}' differs from ${r.report}; if the change is deliberate, run \`npm run api:update\` and commit the report\n`,
      );
    } else process.stdout.write(`api: ${r.report} ${r.changed ? 'updated' : 'unchanged'}\n`);
  }
  process.exitCode = failed ? 1 : 0;
}
