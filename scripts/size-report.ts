/**
 * Size report: every source file over 400 lines and every function over 80 lines (blank lines and comments not
 * counted, as eslint's max-lines and max-lines-per-function count them; `npm run lint` fails on them), and the
 * files over 400 lines as `wc -l` counts them (comments and blank lines included), which lint lets pass.
 *
 *   npx tsx scripts/size-report.ts        # exit 0; prints the table
 */
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const FILES = ['src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'scenarios/**/*.ts'];
const counted = { skipBlankLines: true, skipComments: true };

async function main(): Promise<void> {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser as never },
        rules: {
          'max-lines': ['error', { max: MAX_FILE_LINES, ...counted }],
          'max-lines-per-function': ['error', { max: MAX_FUNCTION_LINES, ...counted }],
        },
      },
    ],
  });
  const results = await eslint.lintFiles(FILES);
  const files: string[] = [];
  const functions: string[] = [];
  for (const r of results) {
    const path = r.filePath.slice(process.cwd().length + 1);
    for (const m of r.messages) {
      const n = /\((\d+)\)/.exec(m.message)?.[1] ?? '?';
      if (m.ruleId === 'max-lines') files.push(`${n.padStart(5)}  ${path}`);
      else if (m.ruleId === 'max-lines-per-function') {
        const name = /^(.*?) has too many lines/.exec(m.message)?.[1] ?? 'function';
        functions.push(`${n.padStart(5)}  ${path}:${m.line}  ${name}`);
      }
    }
  }
  const raw = results
    .map((r) => ({
      path: r.filePath.slice(process.cwd().length + 1),
      n: readFileSync(r.filePath, 'utf8').split('\n').length - 1,
    }))
    .filter((f) => f.n > MAX_FILE_LINES)
    .map((f) => `${String(f.n).padStart(5)}  ${f.path}`);
  const byCount = (a: string, b: string) => parseInt(b, 10) - parseInt(a, 10);
  console.log(`files over ${MAX_FILE_LINES} lines with blank lines and comments (wc -l) (${raw.length}):`);
  for (const l of raw.sort(byCount)) console.log(l);
  console.log(`files over ${MAX_FILE_LINES} lines of code (${files.length}):`);
  for (const l of files.sort(byCount)) console.log(l);
  console.log(`functions over ${MAX_FUNCTION_LINES} lines (${functions.length}):`);
  for (const l of functions.sort(byCount)) console.log(l);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
