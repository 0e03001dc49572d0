/**
 * `npm run soak -- [--runs N] [--kamailio] [--suite LIST] [--grep TEXT] [--workers N] [--json FILE]`
 * Runs the full suite N times (default 20) against the embedded reference SUT (or the managed Kamailio profile with
 * --kamailio) and reports every check whose verdict changed. Exit 0: no flake; 1: flakes (or a run without a
 * summary); 2: bad usage.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { soak } from '../bench/soak';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string', default: '20' },
        kamailio: { type: 'boolean', default: false },
        suite: { type: 'string' },
        grep: { type: 'string' },
        workers: { type: 'string' },
        json: { type: 'string' },
        'run-timeout': { type: 'string', default: '600000' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).message}\n`);
    return 2;
  }
  const runs = Number(values.runs);
  const runTimeoutMs = Number(values['run-timeout']);
  if (!Number.isInteger(runs) || runs < 2) {
    process.stderr.write(`soak: --runs must be an integer of at least 2, not "${values.runs}"\n`);
    return 2;
  }
  if (!Number.isInteger(runTimeoutMs) || runTimeoutMs <= 0) {
    process.stderr.write(`soak: --run-timeout must be a positive number of milliseconds\n`);
    return 2;
  }
  const runArgs: string[] = [];
  if (values.kamailio)
    runArgs.push('--sut', path.resolve(__dirname, '..', 'scenarios', 'targets', 'kamailio', 'profile.yaml'));
  if (values.suite) runArgs.push('--suite', values.suite);
  if (values.grep) runArgs.push('--grep', values.grep);
  if (values.workers) runArgs.push('--workers', values.workers);
  const target = values.kamailio ? 'Kamailio (managed profile)' : 'the embedded reference SUT';
  process.stdout.write(`soak: ${runs} runs against ${target}${runArgs.length ? ` (${runArgs.join(' ')})` : ''}\n`);
  const started = Date.now();
  const { runs: results, flakes } = await soak({
    runs,
    runArgs,
    runTimeoutMs,
    log: (l) => process.stdout.write(`${l}\n`),
  });
  const broken = results.filter((r) => r.error);
  const out = {
    target,
    runs,
    durationMs: Date.now() - started,
    flakes,
    runsWithoutSummary: broken.map((r) => ({ run: r.index, error: r.error })),
    results,
  };
  if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 2));
  const ids = results[0]?.checks.length ?? 0;
  if (flakes.length === 0 && broken.length === 0) {
    process.stdout.write(
      `soak: 0 flakes — ${ids} checks, the same verdict in all ${runs} runs (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
    );
    return 0;
  }
  for (const f of flakes) {
    process.stdout.write(`FLAKY ${f.id}: ${f.statuses.map((s, i) => `run ${i + 1} ${s}`).join(', ')}\n`);
    for (const m of f.messages) process.stdout.write(`    ${m}\n`);
  }
  for (const r of broken) process.stdout.write(`RUN ${r.index} gave no summary: ${r.error}\n`);
  process.stdout.write(
    `soak: ${flakes.length} flaky check(s), ${broken.length} run(s) without a summary in ${runs} runs\n`,
  );
  return 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`soak: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
