// `npm run build` (and `prepack`): the compiled package in dist/ — `tsc -p tsconfig.build.json` from a clean
// folder, plus the JSON files under src/ that no module imports (tsc copies only imported JSON), such as the
// scenario JSON Schema that editors read from dist/scenario/scenario-schema.json.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
const copy = (dir) => {
  for (const e of fs.readdirSync(path.join(root, 'src', dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) copy(rel);
    else if (e.name.endsWith('.json') && !fs.existsSync(path.join(dist, rel)))
      fs.copyFileSync(path.join(root, 'src', rel), path.join(dist, rel));
  }
};
copy('');
