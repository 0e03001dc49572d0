/**
 * The shipped TypeScript checks (and their helper modules under scenarios/) import only what a user's checks can:
 * the public entry points `sipconf` and `sipconf/check`, Node built-ins, and files beside them. The package ships
 * dist/, not src/: a check importing `../../src/...` loads in this repository and breaks `sipconf list` and
 * `sipconf run` for everyone who installed the package.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './doc-examples';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): Array<{ spec: string; line: number }> {
  const text = readFileSync(file, 'utf8');
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => ({
    spec: f.fileName,
    line: src.getLineAndCharacterOfPosition(f.pos).line + 1,
  }));
}

test('shipped checks import only sipconf, sipconf/check, node: built-ins and files of scenarios/', () => {
  const scenarios = path.join(ROOT, 'scenarios');
  const files = tsFiles(scenarios);
  expect(files.length).toBeGreaterThan(5);
  const bad: string[] = [];
  for (const f of files)
    for (const { spec, line } of importsOf(f)) {
      const ok =
        spec === 'sipconf' ||
        spec === 'sipconf/check' ||
        spec.startsWith('node:') ||
        (spec.startsWith('.') && path.resolve(path.dirname(f), spec).startsWith(scenarios + path.sep));
      if (!ok) bad.push(`${path.relative(ROOT, f)}:${line}: imports '${spec}'`);
    }
  expect(bad).toEqual([]);
});
