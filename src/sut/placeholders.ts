/**
 * The placeholders of a managed SUT's profile (`{port}`, `{run}`, `{uuid}`...; the list is in managed.ts): filling
 * them into commands, paths and template files, and splitting a command line into argv.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { formatEndpoint } from '../transport/types';
import { ProfileError, type SutProfile } from './profile';

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** Fills `{name}` placeholders; an unknown name is an error (commands, paths, env). */
export function renderStrict(template: string, values: Record<string, string>, what: string): string {
  return template.replace(PLACEHOLDER, (m, name: string) => {
    const v = values[name];
    if (v === undefined) {
      const known = Object.keys(values)
        .map((k) => `{${k}}`)
        .join(' ');
      throw new Error(`${what}: unknown placeholder ${m} (known: ${known})`);
    }
    return v;
  });
}

/** Fills only the known `{name}` placeholders (config files have braces of their own). */
export function renderKnown(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (m, name: string) => values[name] ?? m);
}

/** renderStrict for a profile field: an unknown placeholder is a ProfileError naming the profile. */
export function renderProfileField(
  profile: SutProfile,
  template: string,
  values: Record<string, string>,
  what: string,
) {
  try {
    return renderStrict(template, values, what);
  } catch (e) {
    throw new ProfileError([{ file: profile.file, message: (e as Error).message }]);
  }
}

/** Splits a command line like a POSIX shell would for plain words and quotes (no expansion, no pipes). */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1]!)) cur += cmd[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in command "${cmd}"`);
  if (inWord) out.push(cur);
  return out;
}

export interface PlaceholderInput {
  profile: SutProfile;
  runDir: string;
  host: string;
  ports: { port: number; registrarPort: number; listenPort: number; controlPort: number; trunkPort: number };
  /** Extra values that override the profile's vars. */
  vars?: Record<string, string | number>;
}

/** Every placeholder value of one start: the built-in names, then `log`, the profile's vars, the caller's vars. */
export function placeholderValues({ profile, runDir, host, ports, vars }: PlaceholderInput): Record<string, string> {
  const firstUser = profile.users?.[0];
  const values: Record<string, string> = {
    dir: profile.dir,
    run: runDir,
    host,
    port: String(ports.port),
    registrarPort: String(ports.registrarPort),
    listenPort: String(ports.listenPort),
    listen: formatEndpoint({ address: host, port: ports.listenPort }),
    controlPort: String(ports.controlPort),
    trunkPort: String(ports.trunkPort),
    name: profile.name,
    domain: profile.domain ?? host,
    uuid: randomUUID(),
    user: firstUser?.user ?? 'sipconf',
    password: firstUser?.password ?? '',
    authUser: firstUser?.authUser ?? firstUser?.user ?? 'sipconf',
  };
  values.log = profile.log ? renderProfileField(profile, profile.log, values, 'log') : path.join(runDir, 'sut.log');
  // vars may use the base placeholders; options override the profile.
  for (const [k, v] of Object.entries(profile.vars)) values[k] = renderProfileField(profile, v, values, `vars.${k}`);
  for (const [k, v] of Object.entries(vars ?? {})) values[k] = String(v);
  return values;
}
