/**
 * Loading TypeScript checks outside jest (`sipconf list`, the selection in `sipconf run`): a `.check.ts` module —
 * shipped or a user's own — is transpiled on the fly by swc, the transformer jest uses when the checks run, and its
 * imports of `sipconf` and `sipconf/check` resolve to the harness that loads it. So there is one copy of the check
 * API whether sipconf runs from its sources (tsx, in a clone) or as compiled JavaScript from an installed package.
 * Inside jest, the runner's jest configuration does the same (transform + moduleNameMapper, runner/run.ts).
 */
import Module from 'node:module';
import path from 'node:path';
import { transformSync } from '@swc/core';
import { addHook } from 'pirates';

/** The public entry points of the running harness: src/*.ts from the sources, dist/*.js when compiled. */
export const PUBLIC_ENTRIES: Readonly<Record<string, string>> = {
  sipconf: path.resolve(__dirname, '..', `index${path.extname(__filename)}`),
  'sipconf/check': path.resolve(__dirname, '..', `check${path.extname(__filename)}`),
};

/** The swc options for checks: TypeScript to CommonJS, as jest's transform (runner/run.ts) does. */
export const SWC_CHECK_OPTIONS = {
  jsc: { parser: { syntax: 'typescript' as const }, target: 'es2022' as const },
  module: { type: 'commonjs' as const },
};

let installed = false;

/** Makes `require('x.check.ts')` work in this process (idempotent; a no-op inside jest, which has its own). */
export function installCheckLoader(): void {
  if (installed || process.env.JEST_WORKER_ID !== undefined) return;
  installed = true;
  aliasPublicEntries();
  // tsx (a clone running from its sources) already compiles .ts; otherwise swc does.
  if (!('.ts' in moduleInternals()._extensions)) {
    addHook((code, filename) => transformSync(code, { ...SWC_CHECK_OPTIONS, filename, sourceMaps: 'inline' }).code, {
      exts: ['.ts'],
      ignoreNodeModules: false,
    });
  }
}

type ResolveFilename = (request: string, ...rest: unknown[]) => string;

function moduleInternals(): { _resolveFilename: ResolveFilename; _extensions: Record<string, unknown> } {
  return Module as unknown as { _resolveFilename: ResolveFilename; _extensions: Record<string, unknown> };
}

function aliasPublicEntries(): void {
  const internals = moduleInternals();
  const resolve = internals._resolveFilename;
  internals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return PUBLIC_ENTRIES[request] ?? resolve.call(this, request, ...rest);
  };
}
