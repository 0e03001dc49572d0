/** Finding the binaries sipconf starts, and saying which Debian package provides one that is missing. */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import path from 'node:path';

/** Debian packages that provide the binaries sipconf knows how to start. */
const DEBIAN_PACKAGE: Record<string, string> = {
  kamailio: 'kamailio',
  kamcmd: 'kamailio',
  baresip: 'baresip-core',
  sipp: 'sip-tester',
  sipsak: 'sipsak',
  tshark: 'tshark',
};

/** An existing regular file we may execute. */
export function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, fsConstants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Finds an executable on PATH and in the sbin dirs (Kamailio lives in /usr/sbin, often not on a user's PATH). */
export function findExecutable(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? path.resolve(name) : undefined;
  const dirs = [...envPath.split(path.delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/** "kamailio is not installed (Debian package: kamailio; apt-get install kamailio)". */
export function missingBinaryMessage(name: string): string {
  const base = path.basename(name);
  const pkg = DEBIAN_PACKAGE[base];
  return pkg
    ? `${base} is not installed (Debian package: ${pkg}; apt-get install ${pkg})`
    : `${name} is not installed or not executable`;
}
