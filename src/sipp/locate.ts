/**
 * Finding the SIPp binary. Debian and Ubuntu ship it as the package `sip-tester` (binary `sipp`); a missing or
 * unusable binary is reported with that name, so the fix is one `apt-get install` away.
 */
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { isExecutableFile } from '../process/executables';

export const SIPP_PACKAGE = 'sip-tester';

export class SippNotFoundError extends Error {
  constructor(
    message: string,
    readonly searched: string[],
  ) {
    super(message);
    this.name = 'SippNotFoundError';
  }
}

export interface LocateOptions {
  /** An explicit binary: a path, or a bare name looked up on PATH. Default: $SIPCONF_SIPP, else `sipp`. */
  binary?: string;
  /** The PATH to search (default process.env.PATH). */
  path?: string;
}

/** The absolute path of the SIPp binary, or a SippNotFoundError naming the Debian package. */
export function locateSipp(opts: LocateOptions = {}): string {
  const wanted = opts.binary ?? process.env.SIPCONF_SIPP ?? 'sipp';
  const searched: string[] = [];
  if (isAbsolute(wanted) || wanted.includes('/')) {
    const p = resolve(wanted);
    searched.push(p);
    if (isExecutableFile(p)) return p;
  } else {
    for (const dir of (opts.path ?? process.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      const p = join(dir, wanted);
      searched.push(p);
      if (isExecutableFile(p)) return p;
    }
  }
  const where = wanted.includes('/') ? `at ${searched[0]}` : `on PATH (${searched.length} directories searched)`;
  throw new SippNotFoundError(
    `SIPp binary "${wanted}" not found or not executable ${where}. Install the Debian/Ubuntu package ` +
      `"${SIPP_PACKAGE}" (apt-get install ${SIPP_PACKAGE}), or point SIPCONF_SIPP at a sipp binary.`,
    searched,
  );
}
