/**
 * The summary JSON of a run (contract: docs/architecture.md), written with `--json FILE` and to reports/summary.json:
 *   { target, startedAt, durationMs, totals: {passed, failed, skipped, broken},
 *     checks: [{ id, suite, title, status, durationMs, rfc: [...], message }] }
 * Written atomically (temp file + rename): a CI step reading it never sees half a file.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write';
import { maskSecrets } from './entry-label';

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'broken';
export const CHECK_STATUSES: readonly CheckStatus[] = ['passed', 'failed', 'skipped', 'broken'];

export interface CheckSummary {
  /** Stable upper-case id, e.g. "INVITE-2XX-ACK". */
  id: string;
  suite: string;
  title: string;
  status: CheckStatus;
  durationMs: number;
  /** RFC sections, display form: ["RFC 3261 §17.1.1.3"]. */
  rfc: string[];
  /** Why the check did not pass (prefixed, see failures.ts); for skipped checks, the missing capability. */
  message?: string;
}

export interface RunSummary {
  /** "127.0.0.1:5070", or the SUT profile name. */
  target: string;
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  totals: Record<CheckStatus, number>;
  checks: CheckSummary[];
  /** Present when the run was shard `index` of `total` (`sipconf run --shard I/N`); `sipconf merge` reads it. */
  shard?: { index: number; total: number };
}

export function countTotals(checks: readonly CheckSummary[]): Record<CheckStatus, number> {
  const t: Record<CheckStatus, number> = { passed: 0, failed: 0, skipped: 0, broken: 0 };
  for (const c of checks) t[c.status]++;
  return t;
}

/** Builds a summary with totals counted from the checks (never passed in, so they cannot disagree). */
export function buildSummary(input: {
  target: string;
  startedAt: Date | string;
  durationMs: number;
  checks: readonly CheckSummary[];
  shard?: { index: number; total: number };
}): RunSummary {
  const startedAt = typeof input.startedAt === 'string' ? input.startedAt : input.startedAt.toISOString();
  const checks = input.checks.map((c) => {
    const out: CheckSummary = {
      id: c.id,
      suite: c.suite,
      title: c.title,
      status: c.status,
      durationMs: Math.round(c.durationMs),
      rfc: [...c.rfc],
    };
    if (c.message !== undefined && c.message !== '') out.message = c.message;
    return out;
  });
  return {
    target: input.target,
    startedAt,
    durationMs: Math.round(input.durationMs),
    totals: countTotals(checks),
    checks,
    ...(input.shard ? { shard: { index: input.shard.index, total: input.shard.total } } : {}),
  };
}

/** Exit code per the command contract: 0 all selected checks passed (skips allowed), 1 any failed or broken. */
export function exitCodeFor(summary: RunSummary): 0 | 1 {
  return summary.totals.failed > 0 || summary.totals.broken > 0 ? 1 : 0;
}

/** Throws an Error naming the first field at fault; used on read and before write. */
export function validateSummary(v: unknown, where = 'summary'): asserts v is RunSummary {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('not a JSON object');
  const s = v as Record<string, unknown>;
  if (typeof s.target !== 'string') fail('"target" must be a string');
  if (typeof s.startedAt !== 'string' || Number.isNaN(Date.parse(s.startedAt))) fail('"startedAt" must be an ISO date');
  if (typeof s.durationMs !== 'number' || s.durationMs < 0) fail('"durationMs" must be a number ≥ 0');
  if (!Array.isArray(s.checks)) fail('"checks" must be an array');
  const totals = s.totals as Record<string, unknown> | undefined;
  if (typeof totals !== 'object' || totals === null) fail('"totals" must be an object');
  (s.checks as unknown[]).forEach((c, i) => {
    const k = c as Record<string, unknown>;
    for (const f of ['id', 'suite', 'title'] as const)
      if (typeof k?.[f] !== 'string') fail(`checks[${i}].${f} must be a string`);
    if (!CHECK_STATUSES.includes(k.status as CheckStatus))
      fail(`checks[${i}].status must be one of ${CHECK_STATUSES.join('|')}`);
    if (typeof k.durationMs !== 'number') fail(`checks[${i}].durationMs must be a number`);
    if (!Array.isArray(k.rfc) || !k.rfc.every((r) => typeof r === 'string'))
      fail(`checks[${i}].rfc must be an array of strings`);
    if (k.message !== undefined && typeof k.message !== 'string') fail(`checks[${i}].message must be a string`);
  });
  if (s.shard !== undefined) {
    const sh = s.shard as Record<string, unknown> | null;
    const ok =
      typeof sh === 'object' &&
      sh !== null &&
      Number.isInteger(sh.index) &&
      Number.isInteger(sh.total) &&
      (sh.index as number) >= 1 &&
      (sh.index as number) <= (sh.total as number);
    if (!ok) fail('"shard" must be {index, total} with 1 ≤ index ≤ total');
  }
  const counted = countTotals(s.checks as CheckSummary[]);
  for (const st of CHECK_STATUSES)
    if (totals![st] !== counted[st]) fail(`totals.${st} is ${String(totals![st])} but the checks count ${counted[st]}`);
}

/** Writes the summary atomically, pretty-printed, secrets masked in messages. */
export function writeSummary(path: string, summary: RunSummary, opts: { secrets?: readonly string[] } = {}): void {
  validateSummary(summary);
  const masked: RunSummary = {
    ...summary,
    checks: summary.checks.map((c) => (c.message ? { ...c, message: maskSecrets(c.message, opts.secrets) } : c)),
  };
  writeFileAtomic(path, JSON.stringify(masked, null, 2) + '\n');
}

export function readSummary(path: string): RunSummary {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  validateSummary(v, path);
  return v;
}
