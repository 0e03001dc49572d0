/**
 * `npm run bench [-- --json FILE] [--smoke] [--only NAME[,NAME]]`: runs the benchmark sections in order and prints
 * each one's report; with --json writes `{ "<section>": {...}, "machine": {...} }`. Sections register below; each
 * is a module exporting a `BenchSection` (parser today; load, suite and memory sections can be added the same way).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parserSection } from './parser';
import { loadSection, loadTcpSection } from './load';
import { suiteSection } from './suite';
import { memorySection } from './memory';

export interface BenchContext {
  /** Short run (a couple of seconds in all): proves the section works, numbers are indicative only. */
  smoke: boolean;
  log: (line: string) => void;
}

export interface BenchSection {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}

export const SECTIONS: BenchSection[] = [parserSection, loadSection, loadTcpSection, suiteSection, memorySection];

interface Args {
  json?: string;
  smoke: boolean;
  only?: string[];
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { smoke: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--smoke') args.smoke = true;
    else if (a === '--json') {
      const v = argv[++i];
      if (!v) throw new Error('--json needs a FILE');
      args.json = v;
    } else if (a.startsWith('--json=')) args.json = a.slice(7);
    else if (a === '--only') {
      const v = argv[++i];
      if (!v) throw new Error('--only needs a section NAME');
      args.only = v.split(',');
    } else if (a.startsWith('--only=')) args.only = a.slice(7).split(',');
    else if (a === '--help' || a === '-h') {
      throw new Error(
        `usage: npm run bench -- [--json FILE] [--smoke] [--only ${SECTIONS.map((s) => s.name).join('|')}]`,
      );
    } else throw new Error(`unknown argument "${a}"`);
  }
  if (args.only) {
    for (const n of args.only)
      if (!SECTIONS.some((s) => s.name === n))
        throw new Error(`no bench section "${n}" (have: ${SECTIONS.map((s) => s.name).join(', ')})`);
  }
  return args;
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    return 2;
  }
  const log = (line: string) => process.stdout.write(line + '\n');
  const out: Record<string, unknown> = {};
  const m = machineInfo();
  log(
    `machine: ${m.cpu} ×${m.cpus}, ${m.platform}, node ${m.node}, load ${(m.loadavg as number[]).join(' ')}${args.smoke ? ' (smoke run)' : ''}`,
  );
  for (const s of SECTIONS) {
    if (args.only && !args.only.includes(s.name)) continue;
    log(`\n== ${s.name}: ${s.description}`);
    out[s.name] = await s.run({ smoke: args.smoke, log });
  }
  out.machine = { ...m, loadavgAfter: os.loadavg().map((x) => Math.round(x * 100) / 100), smoke: args.smoke };
  if (args.json) {
    writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
    log(`\nwrote ${args.json}`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
