/**
 * Reads an Allure results directory back into the summary's check records, so `summary.json` can be built from
 * exactly what the report shows (labels from reportCheckMeta: `checkId`, `suite`; RFC links; status and message).
 * When a check has several results (jest retries), the last one to finish counts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listResultFiles } from './html';
import type { CheckStatus, CheckSummary } from './summary';

interface AllureResultFile {
  name?: string;
  status?: string;
  statusDetails?: { message?: string };
  labels?: { name: string; value: string }[];
  links?: { url?: string; name?: string; type?: string }[];
  start?: number;
  stop?: number;
  testCaseId?: string;
  historyId?: string;
}

function toStatus(s: string | undefined): CheckStatus {
  return s === 'passed' || s === 'failed' || s === 'skipped' || s === 'broken' ? s : 'broken';
}

/** One CheckSummary per check (by checkId label, else testCaseId, else name), in id order. Bad files name themselves. */
export function checksFromAllureResults(resultsDir: string): CheckSummary[] {
  const latest = new Map<string, { stop: number; check: CheckSummary }>();
  for (const f of listResultFiles(resultsDir)) {
    const path = join(resultsDir, f);
    let r: AllureResultFile;
    try {
      r = JSON.parse(readFileSync(path, 'utf8')) as AllureResultFile;
    } catch (e) {
      throw new Error(`${path}: not a readable Allure result: ${(e as Error).message}`, { cause: e });
    }
    const label = (n: string) => r.labels?.find((l) => l.name === n)?.value;
    const name = r.name ?? '(unnamed)';
    const id = label('checkId') ?? r.testCaseId ?? name;
    // Titles are "ID: what it checks" by convention; keep only the "what".
    const title = name.startsWith(`${id}: `) ? name.slice(id.length + 2) : name;
    const check: CheckSummary = {
      id,
      suite: label('suite') ?? label('parentSuite') ?? '',
      title,
      status: toStatus(r.status),
      durationMs: r.start !== undefined && r.stop !== undefined ? Math.max(0, r.stop - r.start) : 0,
      rfc: (r.links ?? []).filter((l) => l.type === 'rfc' && l.name).map((l) => l.name!),
    };
    const message = r.statusDetails?.message?.trim();
    if (message && check.status !== 'passed') check.message = message;
    const stop = r.stop ?? 0;
    const prev = latest.get(id);
    if (!prev || stop >= prev.stop) latest.set(id, { stop, check });
  }
  return [...latest.values()].map((v) => v.check).sort((a, b) => a.id.localeCompare(b.id));
}
