/**
 * SUT profiles (docs/architecture.md "SUT profile"): a YAML file that says where the system under test is, what it
 * claims to support and, for a managed SUT, how to start and stop it. Validated against profile-schema.json
 * (unknown keys are errors); every error names file:line:col. `${VAR}` reads the environment.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv from 'ajv';
import { LineCounter, parseDocument, visit } from 'yaml';
import type { SutAccount } from '../agent/account';
import { resolveTimers } from '../transaction/timers';
import { parseEndpoint } from '../transport/endpoint';
import { Endpoint } from '../transport/types';
import { duplicateUsers, readAccountsCsv } from './accounts';
import { describeError, locate, nodeOf, relevantErrors } from './profile-errors';
import schema from './profile-schema.json';

export type SutRole = 'proxy' | 'registrar' | 'b2bua' | 'ua';
export type SutTransport = 'udp' | 'tcp' | 'tls';
export type ReadyMode = 'options' | 'register' | 'none';

export interface SutUser {
  user: string;
  password?: string;
  authUser?: string;
}

export interface ExpectedFailure {
  check: string;
  rfc: string;
  reason: string;
}

export interface SutProfile {
  /** Absolute path of the profile file, and its directory ({dir} in templates). */
  file: string;
  dir: string;
  name: string;
  role: SutRole;
  /** Raw `host:port` strings; a managed SUT may use {port}, {registrarPort}, {listenPort} (see managed.ts). */
  address?: string;
  registrar?: string;
  listen?: string;
  domain?: string;
  transports: SutTransport[];
  capabilities: string[];
  users?: SutUser[];
  /** A PBX's accounts pool (`accounts:` or `accountsCsv:`); absent: fresh users per check. */
  accounts?: SutAccount[];
  /** Raw `host:port` of the trunk next hop where the harness's callee listens (a managed SUT may use {trunkPort}). */
  trunk?: string;
  timers: { t1: number; t2: number; t4: number };
  /** The SUT's configured Timer B / Timer F when not 64·T1 (from `timers:`). */
  timeouts?: { timerB?: number; timerF?: number };
  start?: string;
  cwd?: string;
  env: Record<string, string>;
  files: Array<{ from: string; to: string }>;
  vars: Record<string, string>;
  ready: ReadyMode;
  startTimeoutMs: number;
  stop: { signal: NodeJS.Signals; graceMs: number };
  log?: string;
  version?: string;
  dial?: string;
  minExpires?: number;
  allFlowsFailedStatus?: 430 | 480;
  expectedFailures: ExpectedFailure[];
  /** Values that must never reach traces, reports or logs (passwords), for masking. */
  secrets: string[];
}

export interface ProfileIssue {
  file: string;
  line?: number;
  col?: number;
  message: string;
}

/** A bad profile: `.file`/`.line` locate the first problem, `.issues` lists all; the CLI maps it to exit 2. */
export class ProfileError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  readonly issues: ProfileIssue[];
  constructor(issues: ProfileIssue[]) {
    const sorted = [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    super(sorted.map(formatIssue).join('\n'));
    this.issues = sorted;
    issues = sorted;
    this.name = 'ProfileError';
    this.file = issues[0]?.file ?? '';
    this.line = issues[0]?.line;
    this.col = issues[0]?.col;
  }
}

function formatIssue(i: ProfileIssue): string {
  const where = i.line === undefined ? i.file : `${i.file}:${i.line}${i.col === undefined ? '' : `:${i.col}`}`;
  return `${where}: ${i.message}`;
}

/** The JSON Schema, for editors and for other tools. */
export const PROFILE_SCHEMA = schema;
export const PROFILE_SCHEMA_PATH = path.join(__dirname, 'profile-schema.json');

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, verbose: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

export async function loadProfile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<SutProfile> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new ProfileError([
      { file: abs, message: `cannot read SUT profile: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` },
    ]);
  }
  return parseProfile(text, abs, env);
}

/** Parses profile text (the file name is used in errors and for {dir}). */
export function parseProfile(text: string, file: string, env: NodeJS.ProcessEnv = process.env): SutProfile {
  const abs = path.resolve(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): { line?: number; col?: number } => {
    if (offset === undefined) return {};
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const issues: ProfileIssue[] = [];
  for (const e of doc.errors) issues.push({ file: abs, ...at(e.pos[0]), message: `YAML: ${e.message.split('\n')[0]}` });
  if (issues.length > 0) throw new ProfileError(issues);
  if (doc.contents === null) throw new ProfileError([{ file: abs, line: 1, message: 'the profile is empty' }]);

  // ${VAR} → environment, in every string scalar, before validation (a port may come from the environment).
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      // Point errors at the reference itself inside the scalar's source text, not just at the scalar.
      const src = node.range ? text.slice(node.range[0], node.range[1]) : '';
      const refAt = (m: string) => (node.range ? node.range[0] + Math.max(0, src.indexOf(m)) : undefined);
      node.value = node.value.replace(/\$\$|\$\{([^}]*)\}/g, (m, name: string | undefined) => {
        if (m === '$$') return '$';
        if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          issues.push({
            file: abs,
            ...at(refAt(m)),
            message: `bad variable reference "${m}" (use \${NAME}, or $$ for a literal $)`,
          });
          return m;
        }
        const v = env[name];
        if (v === undefined) {
          issues.push({ file: abs, ...at(refAt(m)), message: `environment variable ${name} is not set` });
          return '';
        }
        return v;
      });
    },
  });

  const data: unknown = doc.toJS();
  if (!validate(data)) {
    for (const err of relevantErrors(validate.errors ?? [])) {
      const { node, key } = locate(doc, err);
      issues.push({ file: abs, ...at((key ?? node)?.range?.[0]), message: describeError(err) });
    }
  }
  if (issues.length > 0) throw new ProfileError(dedupe(issues));

  const raw = data as RawProfile;
  const profile = normalize(raw, abs);
  readAccounts(raw, profile, (key) => at(nodeOf(doc, key)?.range?.[0]), issues);

  // Placeholders in endpoints are filled only when sipconf starts the SUT itself.
  if (!profile.start) {
    for (const k of ['address', 'registrar', 'listen', 'trunk'] as const) {
      const v = raw[k];
      if (v && /\{/.test(v)) {
        issues.push({
          file: abs,
          ...at(nodeOf(doc, [k])?.range?.[0]),
          message: `${k}: placeholder in "${v}" is only filled in for a managed SUT (one with start:)`,
        });
      }
    }
  }
  if (profile.ready === 'register' && profile.role !== 'ua') {
    issues.push({
      file: abs,
      ...at(nodeOf(doc, ['ready'])?.range?.[0]),
      message: 'ready: register applies to role ua only (the SUT registers with the harness)',
    });
  }
  if (issues.length > 0) throw new ProfileError(issues);
  return profile;
}

interface RawProfile {
  name: string;
  role: SutRole;
  address?: string;
  registrar?: string;
  listen?: string;
  domain?: string;
  transports?: SutTransport[];
  capabilities?: string[];
  users?: SutUser[];
  accounts?: SutAccount[];
  accountsCsv?: string;
  trunk?: string;
  timers?: { t1: number; t2?: number; t4?: number; timerB?: number; timerF?: number };
  start?: string;
  cwd?: string;
  env?: Record<string, string>;
  files?: Array<{ from: string; to: string }>;
  vars?: Record<string, string | number | boolean>;
  ready?: ReadyMode;
  startTimeoutMs?: number;
  stop?: { signal?: NodeJS.Signals; graceMs?: number };
  log?: string;
  version?: string;
  dial?: string;
  minExpires?: number;
  allFlowsFailedStatus?: 430 | 480;
  expectedFailures?: ExpectedFailure[];
}

/**
 * The accounts pool from `accounts:` or `accountsCsv:` (not both), with its passwords added to the secrets; a
 * duplicate user is an error (two checks would share the account without knowing it).
 */
function readAccounts(
  raw: RawProfile,
  profile: SutProfile,
  at: (key: Array<string | number>) => { line?: number; col?: number },
  issues: ProfileIssue[],
): void {
  if (raw.accounts && raw.accountsCsv) {
    issues.push({ file: profile.file, ...at(['accountsCsv']), message: 'give accounts or accountsCsv, not both' });
    return;
  }
  let accounts = raw.accounts;
  if (raw.accountsCsv) {
    const csv = path.resolve(profile.dir, raw.accountsCsv);
    const csvIssues: Array<{ file: string; line: number; message: string }> = [];
    accounts = readAccountsCsv(csv, csvIssues);
    issues.push(...csvIssues);
    if (!csvIssues.length && accounts.length === 0)
      issues.push({ file: csv, line: 1, message: 'the accounts file lists no account' });
  }
  if (!accounts) return;
  if (raw.accounts) {
    const dup = duplicateUsers(raw.accounts);
    if (dup)
      issues.push({
        file: profile.file,
        ...at(['accounts', dup.index]),
        message: `account ${dup.user} is listed twice`,
      });
  }
  profile.accounts = accounts;
  profile.secrets = [...new Set([...profile.secrets, ...accounts.map((a) => a.password)])];
}

function normalize(raw: RawProfile, file: string): SutProfile {
  const secrets = (raw.users ?? [])
    .map((u) => u.password)
    .filter((p): p is string => typeof p === 'string' && p !== '');
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.vars ?? {})) vars[k] = String(v);
  return {
    file,
    dir: path.dirname(file),
    name: raw.name,
    role: raw.role,
    address: raw.address,
    registrar: raw.registrar,
    listen: raw.listen,
    domain: raw.domain,
    transports: raw.transports ?? ['udp'],
    capabilities: raw.capabilities ?? [],
    users: raw.users,
    trunk: raw.trunk,
    timers: resolveTimers(raw.timers),
    ...(raw.timers?.timerB !== undefined || raw.timers?.timerF !== undefined
      ? { timeouts: { timerB: raw.timers.timerB, timerF: raw.timers.timerF } }
      : {}),
    start: raw.start,
    cwd: raw.cwd,
    env: raw.env ?? {},
    files: raw.files ?? [],
    vars,
    ready: raw.ready ?? (raw.role === 'ua' ? 'register' : 'options'),
    startTimeoutMs: raw.startTimeoutMs ?? 10000,
    stop: { signal: raw.stop?.signal ?? 'SIGTERM', graceMs: raw.stop?.graceMs ?? 3000 },
    log: raw.log,
    version: raw.version,
    dial: raw.dial,
    minExpires: raw.minExpires,
    allFlowsFailedStatus: raw.allFlowsFailedStatus,
    expectedFailures: raw.expectedFailures ?? [],
    secrets: [...new Set(secrets)],
  };
}

/** The profile's endpoints for a SUT that is already running (no placeholders). */
export function profileEndpoints(p: SutProfile): {
  address?: Endpoint;
  registrar?: Endpoint;
  listen?: Endpoint;
  trunk?: Endpoint;
} {
  return {
    trunk: p.trunk ? parseEndpoint(p.trunk) : undefined,
    address: p.address ? parseEndpoint(p.address) : undefined,
    registrar: p.registrar ? parseEndpoint(p.registrar) : undefined,
    listen: p.listen ? parseEndpoint(p.listen) : undefined,
  };
}

/** The expected failure recorded for a check, if any (the runner reports it as a known deviation). */
export function expectedFailureFor(p: SutProfile, checkId: string): ExpectedFailure | undefined {
  return p.expectedFailures.find((f) => f.check === checkId);
}

// ---- mapping schema errors to lines -------------------------------------------------------------------------------

function dedupe(issues: ProfileIssue[]): ProfileIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = formatIssue(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
