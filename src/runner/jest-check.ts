/**
 * One check as one jest test, inside the allure-jest environment: labels and RFC links, one Allure step per
 * exchange with the raw messages of that step attached, and the whole trace as ladder SVG, raw text and pcap.
 * Failures are classified by scenario/failure-class.ts (non-conformance, timeout, unreachable, setup, harness error).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import * as allure from 'allure-js-commons';
import { describe as describeMessage } from '../sip/message';
import { parse } from '../sip/parser';
import { CheckDefinition } from '../scenario/check';
import { failureOf } from '../scenario/failure-class';
import { CheckContext, StepReporter } from '../scenario/context';
import { loadCheck } from '../scenario/registry';
import type { TraceEntry } from '../transport/trace';
import { formatEndpoint } from '../transport/types';
import { attachTrace, reportCheckMeta } from '../report/allure-check';
import { CheckFailure } from '../report/failures';
import { renderTraceText } from '../report/trace-text';
import { RunConfig, readRunConfig } from './run-config';
import { LockFileLeases } from './account-leases';
import { checkMetaFor } from './check-meta';
import { managedUaLauncher } from './ua-launcher';

export function runCheckTest(id: string, source: string, skipReason?: string): void {
  const config = readRunConfig();
  const def = loadCheck(source);
  if (def.id !== id) throw new Error(`${source} defines ${def.id}, not ${id}`);
  const name = `${def.id} — ${def.title}`;
  if (skipReason) {
    // Not a skipped harness test: a check that does not apply to this SUT is reported `skipped` (the contract's
    // status, docs/architecture.md), with the reason in the summary and the progress line.
    test.skip(name, () => undefined);
    return;
  }
  test(name, () => runCheck(def, config), config.checkTimeoutMs + 10_000);
  if (process.env.SIPCONF_DETECT_OPEN_HANDLES === '1') {
    afterAll(async () => {
      await new Promise((r) => setTimeout(r, 100));
      process.stderr.write(
        `[${id}] active resources after the check: ${process.getActiveResourcesInfo().join(', ')}\n`,
      );
    });
  }
}

async function runCheck(def: CheckDefinition, config: RunConfig): Promise<void> {
  await reportCheckMeta(checkMetaFor(def, config.sut));
  await allure.description(
    def.description + (def.source ? `\n\nDefined in ${def.source.replace(/^.*\/scenarios\//, 'scenarios/')}.` : ''),
  );
  for (const [k, v] of Object.entries(config.parameters)) await allure.parameter(k, v);
  const known = config.expectedFailures[def.id];
  if (known) {
    await allure.tag('known-deviation');
    await allure.label('knownDeviation', `${known.rfc}: ${known.reason}`);
  }

  const launcher = config.uaProfile ? managedUaLauncher(config.uaProfile) : undefined;
  const ctx: CheckContext = new CheckContext(
    def,
    config.sut,
    allureSteps((): CheckContext => ctx, config),
    launcher,
    config.sut.accounts || config.sut.trunk
      ? new LockFileLeases(config.leaseDir, config.sut.accounts ?? [])
      : undefined,
  );
  const logStart = logSize(config.sutLogPath);
  let failure: unknown;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ctx.acquireAccounts(config.checkTimeoutMs / 2).then(() => def.run(ctx)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new CheckFailure('timeout', `the check did not finish within ${config.checkTimeoutMs} ms`)),
          config.checkTimeoutMs,
        );
      }),
    ]);
  } catch (e) {
    failure = e;
  } finally {
    clearTimeout(timer);
    await ctx.close();
    await attachEvidence(ctx, config, failure);
    await attachSutLog(config, logStart);
  }
  if (failure !== undefined) throw classify(failure);
}

function allureSteps(getCtx: () => CheckContext, config: RunConfig): StepReporter {
  return {
    step: async <T>(name: string, body: () => Promise<T>): Promise<T> =>
      allure.step(name, async () => {
        const ctx = getCtx();
        const from = ctx.trace.entries.length;
        try {
          return await body();
        } finally {
          await attachStepMessages(ctx.trace.entries.slice(from), config);
        }
      }),
    attach: (name, content, contentType) => void allure.attachment(name, content, contentType),
  };
}

/** Each SIP message of a step, attached to that step under a name like "alice → SUT: INVITE". */
async function attachStepMessages(entries: readonly TraceEntry[], config: RunConfig): Promise<void> {
  for (const e of entries) {
    if (e.kind !== 'sip' && e.kind !== 'fault') continue;
    const remote = config.endpointNames[formatEndpoint(e.remote)] ?? formatEndpoint(e.remote);
    const who = e.direction === 'out' ? `${e.agent ?? '?'} → ${remote}` : `${remote} → ${e.agent ?? '?'}`;
    const text = renderTraceText([e], { secrets: config.secrets, endpointNames: config.endpointNames });
    await allure.attachment(`${who}: ${labelOf(e)}`, text, allure.ContentType.TEXT);
  }
}

function labelOf(e: TraceEntry): string {
  if (e.kind === 'fault') return `fault (${e.note ?? ''})`;
  const r = parse(e.data, { mode: 'lenient' });
  return r.message ? describeMessage(r.message) : 'unparseable bytes';
}

async function attachEvidence(ctx: CheckContext, config: RunConfig, failure: unknown): Promise<void> {
  try {
    if (ctx.notes.length) await allure.attachment('notes', ctx.notes.join('\n'), allure.ContentType.TEXT);
    const msg = failure instanceof Error ? failure.message : undefined;
    // A check whose traffic is all on private traces (robustness: hundreds of cases) has no trace to draw; an
    // empty ladder and a pcap with no packets would only mislead. Such checks attach their own evidence.
    if (ctx.trace.entries.length === 0) return;
    await attachTrace(ctx.trace.entries, {
      title: `${ctx.check.id} against ${config.sut.name}`,
      endpointNames: config.endpointNames,
      secrets: config.secrets,
      highlight: msg ? { text: msg } : undefined,
      lanes: ['alice', 'SUT', 'bob'],
    });
  } catch (e) {
    process.stderr.write(`sipconf: could not attach the trace of ${ctx.check.id}: ${(e as Error).message}\n`);
  }
}

function logSize(file: string | undefined): number {
  try {
    return file ? statSync(file).size : 0;
  } catch {
    return 0;
  }
}

const LOG_CAP = 256 * 1024;

/** The part of the SUT's log written while the check ran (parallel checks may interleave their lines). */
async function attachSutLog(config: RunConfig, from: number): Promise<void> {
  const file = config.sutLogPath;
  if (!file) return;
  const to = logSize(file);
  if (to <= from) return;
  const start = Math.max(from, to - LOG_CAP);
  const buf = Buffer.alloc(to - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  let text = buf.toString('utf8');
  for (const s of config.secrets) if (s) text = text.split(s).join('********');
  const note = start > from ? `[first ${start - from} bytes of this check's part left out]\n` : '';
  await allure.attachment('SUT log', note + text, allure.ContentType.TEXT);
}

/** Maps what a check threw onto the failure vocabulary (the one mapping: scenario/failure-class.ts). */
export const classify = failureOf;
