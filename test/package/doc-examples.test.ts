/**
 * The README's and the guide's whole-file examples compile as written against the public entry points (`sipconf`,
 * `sipconf/check` mapped to src/ by tsconfig.json's paths): the TypeScript ones type-check strictly, the YAML ones
 * load as checks. (test/package/tarball.test.ts runs the guide's examples from an installed package.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { loadScenario } from '../../src/scenario/yaml-scenario';
import { ROOT, docExamples } from './doc-examples';

const examples = docExamples();
mkdirSync(path.join(ROOT, '.tmp'), { recursive: true }); // .tmp/ is git-ignored; inside the repo, tsconfig's paths apply
const dir = mkdtempSync(path.join(ROOT, '.tmp', 'doc-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the docs have whole-file examples in TypeScript, YAML and JSON (tsconfig)', () => {
  const kinds = new Set(examples.map((e) => path.extname(e.file)));
  expect([...kinds].sort()).toEqual(['.json', '.ts', '.yaml']);
  expect(examples.filter((e) => e.at.startsWith('README.md')).length).toBeGreaterThan(0);
});

test('every TypeScript example type-checks against the public entry points', () => {
  const files = examples
    .filter((e) => e.file.endsWith('.ts'))
    .map((e) => {
      const f = path.join(dir, e.at.replace(/[^A-Za-z0-9]+/g, '_'), e.file);
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, e.content);
      return { f, at: e.at };
    });
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const program = ts.createProgram(
    files.map((x) => x.f),
    { ...config.options, noEmit: true, types: ['node'] },
  );
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? (files.find((x) => x.f === d.file!.fileName)?.at ?? d.file.fileName) : '';
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${where} (line ${line} of the example): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  expect(problems).toEqual([]);
}, 60_000);

test('every YAML example loads as a check', () => {
  for (const e of examples.filter((x) => x.file.endsWith('.yaml'))) {
    const f = path.join(dir, path.basename(e.file));
    writeFileSync(f, e.content);
    const c = loadScenario(f);
    expect(c.id).toMatch(/^[A-Z0-9]+(-[A-Z0-9]+)+$/);
  }
});
