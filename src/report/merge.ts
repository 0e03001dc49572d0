/**
 * Merging the shards of one run (`sipconf run --shard I/N` on N CI machines) into one summary and one JUnit file.
 *
 * Summaries: the checks of all shards, in the order of the unsharded run when every input is a shard of the same N
 * (shard I ran the checks at positions I-1, I-1+N, … of the sorted selection, registry.selectChecks), else in the
 * order given; totals recounted; startedAt the earliest start, durationMs the wall time from it to the last end.
 * A check id in two inputs, or a shard of N missing or given twice, is an error: a merged report that silently
 * lacks a shard would pass a CI gate it should not.
 *
 * JUnit: jest-junit's `<testsuite>` elements of every input under one `<testsuites>` with summed counts.
 */
import { ReportInputError } from './html';
import { CheckSummary, RunSummary, buildSummary } from './summary';

/** Inputs that do not make one run (exit 2, like any bad report input). */
export class MergeInputError extends ReportInputError {
  override name = 'MergeInputError';
}

export interface SummaryInput {
  /** Where it was read from, for error messages. */
  from: string;
  summary: RunSummary;
}

export function mergeSummaries(inputs: readonly SummaryInput[]): RunSummary {
  if (inputs.length === 0) throw new MergeInputError('nothing to merge');
  const seen = new Map<string, string>();
  for (const { from, summary } of inputs)
    for (const c of summary.checks) {
      const prev = seen.get(c.id);
      if (prev) throw new MergeInputError(`check ${c.id} is in both ${prev} and ${from}`);
      seen.set(c.id, from);
    }
  const starts = inputs.map((i) => Date.parse(i.summary.startedAt));
  const start = Math.min(...starts);
  const end = Math.max(...inputs.map((i, k) => starts[k]! + i.summary.durationMs));
  const targets = [...new Set(inputs.map((i) => i.summary.target))];
  return buildSummary({
    target: targets.join(', '),
    startedAt: new Date(start),
    durationMs: end - start,
    checks: orderedChecks(inputs),
  });
}

/** The unsharded order when the inputs are exactly shards 1..N of N; else the inputs' order. */
function orderedChecks(inputs: readonly SummaryInput[]): CheckSummary[] {
  const sharded = inputs.filter((i) => i.summary.shard);
  if (sharded.length === 0) return inputs.flatMap((i) => i.summary.checks);
  if (sharded.length !== inputs.length)
    throw new MergeInputError(
      `${inputs.find((i) => !i.summary.shard)!.from} is not a shard, but ${sharded[0]!.from} is: merge the shards of one run`,
    );
  const total = sharded[0]!.summary.shard!.total;
  const byIndex = new Map<number, SummaryInput>();
  for (const i of inputs) {
    const sh = i.summary.shard!;
    if (sh.total !== total)
      throw new MergeInputError(`${i.from} is shard ${sh.index}/${sh.total}, ${sharded[0]!.from} is of ${total}`);
    const dup = byIndex.get(sh.index);
    if (dup) throw new MergeInputError(`shard ${sh.index}/${total} is given twice: ${dup.from} and ${i.from}`);
    byIndex.set(sh.index, i);
  }
  const missing = Array.from({ length: total }, (_, k) => k + 1).filter((k) => !byIndex.has(k));
  if (missing.length)
    throw new MergeInputError(`shard ${missing.map((k) => `${k}/${total}`).join(', ')} missing (a shard job failed?)`);
  const out: CheckSummary[] = [];
  const longest = Math.max(...inputs.map((i) => i.summary.checks.length));
  for (let pos = 0; pos < longest; pos++)
    for (let k = 1; k <= total; k++) {
      const c = byIndex.get(k)!.summary.checks[pos];
      if (c) out.push(c);
    }
  return out;
}

/** True when the merged run should fail CI: a failed or broken check that is not a known deviation of the profile. */
export function hasUnexpectedFailures(summary: RunSummary): boolean {
  return summary.checks.some(
    (c) => (c.status === 'failed' || c.status === 'broken') && !c.message?.startsWith('known deviation'),
  );
}

export interface JunitInput {
  from: string;
  xml: string;
}

const COUNTS = ['tests', 'failures', 'errors', 'skipped'] as const;

/** One JUnit document with the `<testsuite>` elements of every input and the summed counts and time. */
export function mergeJunit(inputs: readonly JunitInput[], name: string): string {
  const sums: Record<string, number> = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const bodies: string[] = [];
  for (const { from, xml } of inputs) {
    const root = /<testsuites\b([^>]*?)(\/?)>/.exec(xml);
    if (!root) throw new MergeInputError(`${from}: not a JUnit report (no <testsuites> element)`);
    const attrs = Object.fromEntries([...root[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    for (const k of [...COUNTS, 'time'] as const) {
      const v = attrs[k] === undefined ? 0 : Number(attrs[k]);
      if (!Number.isFinite(v)) throw new MergeInputError(`${from}: <testsuites ${k}="${attrs[k]}"> is not a number`);
      sums[k]! += v;
    }
    if (root[2] === '/') continue;
    const close = xml.lastIndexOf('</testsuites>');
    if (close < 0) throw new MergeInputError(`${from}: not a JUnit report (no </testsuites>)`);
    const body = xml.slice(root.index + root[0].length, close).trim();
    if (body) bodies.push(body);
  }
  const counts = COUNTS.map((k) => `${k}="${sums[k]}"`).join(' ');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="${escapeAttr(name)}" ${counts} time="${sums.time!.toFixed(3)}">\n` +
    bodies.map((b) => `  ${b}\n`).join('') +
    `</testsuites>\n`
  );
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
