/**
 * The examples of the README and docs/writing-checks.md that are whole files: a fenced block right after a marker
 * `<!-- example: checks/NAME.ext -->`. The tests write them as they are and run or type-check them, so the docs
 * cannot drift from the public API.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DOCS = ['README.md', path.join('docs', 'writing-checks.md')];

export interface DocExample {
  /** Where the doc says the file goes, relative to the user's project (e.g. checks/MY-CALL.check.ts). */
  file: string;
  content: string;
  /** doc:line of the marker, for failure messages. */
  at: string;
}

export function docExamples(docs: readonly string[] = DOCS): DocExample[] {
  const out: DocExample[] = [];
  for (const doc of docs) {
    const lines = readFileSync(path.join(ROOT, doc), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = /^<!-- example: (\S+) -->$/.exec(line.trim());
      if (!m) return;
      const open = lines[i + 1] ?? '';
      if (!/^```\w+$/.test(open)) throw new Error(`${doc}:${i + 1}: the example marker must precede a fenced block`);
      const end = lines.indexOf('```', i + 2);
      if (end < 0) throw new Error(`${doc}:${i + 2}: unterminated fenced block`);
      out.push({ file: m[1]!, content: lines.slice(i + 2, end).join('\n') + '\n', at: `${doc}:${i + 1}` });
    });
  }
  return out;
}
