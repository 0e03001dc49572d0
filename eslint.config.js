// ESLint flat config: typescript-eslint's recommended rules, the layer rule of docs/architecture.md ("Layers"), and the size
// limits (400 lines a file, 80 lines a function). `npm run lint` runs it with `prettier --check .`.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

// The layer table (docs/architecture.md, "Layers"). A folder of src/ imports only from the rows above its own row;
// folders in one row do not import each other. src/index.ts (the public API) may import anything.
const LAYERS = [
  ['sip'],
  ['transport'],
  ['transaction', 'process'],
  ['agent', 'report', 'replay'],
  ['load', 'sut', 'scenario'],
  ['sipp'],
  ['runner'],
  ['cli'],
];
// The RFC core knows nothing but RFC layers: no child processes, no reports, and never the SUT (nor its faults).
const RFC_CORE = ['sip', 'transport', 'transaction', 'agent'];
const ALL = LAYERS.flat();

/** Folders `folder` may import from. */
function allowedImports(folder) {
  const row = LAYERS.findIndex((r) => r.includes(folder));
  const above = LAYERS.slice(0, row).flat();
  return RFC_CORE.includes(folder) ? above.filter((f) => RFC_CORE.includes(f)) : above;
}

/** Regex source for a relative import that climbs `depth` folders up to src/ and enters one of `folders`. */
function intoFolders(depth, folders) {
  return `^${'\\.\\./'.repeat(depth)}(${folders.join('|')})(/|$)`;
}

// no-restricted-imports matches the import string, not the resolved file, so there is one config block per folder
// and depth: a file in src/agent/ reaches src/sut/ as '../sut/…', one in src/sut/reference/ reaches src/agent/ as
// '../../agent/…'. Climbing further than src/ (to package.json) is allowed.
const MAX_DEPTH = 3;
const layerRules = ALL.flatMap((folder) => {
  const allowed = allowedImports(folder);
  const forbidden = ALL.filter((f) => f !== folder && !allowed.includes(f));
  if (forbidden.length === 0) return [];
  return Array.from({ length: MAX_DEPTH }, (_, i) => {
    const depth = i + 1;
    return {
      name: `sipconf/layers/${folder}/depth-${depth}`,
      files: [`src/${folder}/${'*/'.repeat(i)}*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: intoFolders(depth, forbidden),
                message:
                  `src/${folder} imports only from ${allowed.length ? allowed.join(', ') : 'no other folder'} ` +
                  '(the layer table in docs/architecture.md, "Layers").',
              },
            ],
          },
        ],
      },
    };
  });
});

// The size limits (docs/architecture.md, "Layers"): `npm run size-report` lists what comes near them.
const countedLines = { skipBlankLines: true, skipComments: true };
const sizeRules = {
  name: 'sipconf/size',
  files: ['src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'scenarios/**/*.ts'],
  rules: {
    'max-lines': ['error', { max: 400, ...countedLines }],
    'max-lines-per-function': ['error', { max: 80, ...countedLines }],
  },
};

/** An eslint-disable comment must say why after " -- " (ESLint's description syntax), so none stays unexplained. */
const disableNeedsReason = {
  meta: { type: 'suggestion', schema: [], messages: { reason: 'say why after " -- " in this {{kind}} comment' } },
  create(context) {
    return {
      Program() {
        for (const c of context.sourceCode.getAllComments()) {
          const m = /^\s*(eslint-disable(?:-next-line|-line)?)(\s|$)/.exec(c.value);
          if (m && !/\s--\s/.test(c.value)) context.report({ loc: c.loc, messageId: 'reason', data: { kind: m[1] } });
        }
      },
    };
  },
};

module.exports = tseslint.config(
  { ignores: ['dist/', 'build/', 'reports/', 'node_modules/', 'native/', 'test/fixtures/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    name: 'sipconf/tuning',
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a deliberately unused parameter; `{ stats, ...rest }` drops a field.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    name: 'sipconf/commonjs',
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    name: 'sipconf/disable-needs-reason',
    plugins: { sipconf: { rules: { 'disable-needs-reason': disableNeedsReason } } },
    rules: { 'sipconf/disable-needs-reason': 'error' },
  },
  sizeRules,
  ...layerRules,
  {
    name: 'sipconf/layers/scenarios',
    files: ['scenarios/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'sipconf',
              importNames: ['ReferenceSut', 'FAULTS', 'FAULT_NAMES', 'FaultName', 'ReferenceSutOptions', 'runChecks'],
              message: 'a check never knows the reference SUT (nor its faults) or the runner.',
            },
          ],
          patterns: [
            {
              regex: '^(\\.\\./)+src(/|$)',
              message: "a shipped check imports the public entry points 'sipconf' and 'sipconf/check', not src/.",
            },
          ],
        },
      ],
    },
  },
);
