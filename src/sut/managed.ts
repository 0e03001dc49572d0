/**
 * Managed SUTs: sipconf starts the system under test from its profile (`start:`), on free loopback ports with a
 * private runtime directory, waits until it is ready, and stops it by PID when done — never leaving it running,
 * also when the harness throws or exits.
 *
 * Placeholders filled in `start`, `cwd`, `env`, `log`, `files[].to`, `vars` and the endpoints:
 *   {dir} the profile's directory, {run} the runtime dir, {host} the loopback host, {port} / {registrarPort} free
 *   ports for the SUT, {controlPort} a free port for its control interface (baresip's ctrl_tcp), {listenPort} /
 *   {listen} where the harness listens for a UA SUT, {trunkPort} where the harness's callee listens as the SUT's trunk
 *   next hop (profile `trunk:`), {log} the log file, {domain} the profile's domain (default
 *   {host}), {uuid} a fresh UUID per start (a UA's +sip.instance), {user} / {password} / {authUser} the profile's first user,
 *   {name}, and every key of the profile's `vars`. Template files (`files:`) get the same names; other `{...}` text in them
 *   (Kamailio's route blocks) is left alone.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants, closeSync, openSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocatePorts } from '../transport/free-ports';
import { Endpoint, formatEndpoint } from '../transport/types';
import { baresipCommand } from './baresip/ctrl-tcp';
import { probeOptions } from './options-probe';
import { parseEndpoint } from '../transport/endpoint';
import { ProfileError, SutProfile } from './profile';

export interface ManagedSutOptions {
  /** Loopback host the SUT binds; default 127.0.0.1. */
  host?: string;
  /** Role ua: the port the harness's registrar / edge listens on ({listenPort}); default a free port. */
  listenPort?: number;
  /** Fixed ports instead of free ones. */
  port?: number;
  registrarPort?: number;
  /** Extra placeholders, overriding the profile's vars. */
  vars?: Record<string, string | number>;
  /** Overrides profile.startTimeoutMs. */
  startTimeoutMs?: number;
  /**
   * Readiness for `ready: register` (a UA SUT): resolves when the SUT's first REGISTER reached the harness. The
   * caller owns the listener on {listenPort}; the wait is bounded by startTimeoutMs and by the SUT exiting.
   */
  waitForRegister?: (ctx: { listen: Endpoint; signal: AbortSignal }) => Promise<unknown>;
  /** Keep the runtime dir after stop (default: removed; the log stays readable through readLog()). */
  keepRunDir?: boolean;
  /** Where runtime dirs are created; default the OS temp dir. */
  tmpRoot?: string;
}

export interface ManagedSut {
  readonly profile: SutProfile;
  /** Resolved endpoints (placeholders filled). */
  readonly address?: Endpoint;
  readonly registrar?: Endpoint;
  readonly listen?: Endpoint;
  /** The trunk next hop (profile `trunk:`, placeholders filled): where the harness's callee listens. */
  readonly trunk?: Endpoint;
  readonly runDir: string;
  readonly logPath: string;
  readonly pid: number;
  /** Every placeholder value, e.g. for rendering the profile's `dial` command. */
  readonly placeholders: Readonly<Record<string, string>>;
  /** Fills placeholders in a command or path template; unknown names are an error; `{uri}` stays unless given. */
  render(template: string, extra?: Record<string, string>): string;
  /** The SUT's log so far (after stop: the final log). */
  readLog(): Promise<string>;
  /**
   * Role ua: makes the SUT place a call to `uri` as the profile's `dial:` says — a command line, or
   * `ctrl_tcp://HOST:PORT/COMMAND PARAMS` for baresip's ctrl_tcp module. Bounded; rejects with the reason.
   */
  dial(uri: string, timeoutMs?: number): Promise<void>;
  /** True once the process has exited (by itself or by stop). */
  readonly exited: boolean;
  /** SIGTERM (profile.stop.signal) to the process group, SIGKILL after the grace, waits for the exit. Idempotent. */
  stop(): Promise<void>;
}

/** The SUT could not be started: it exited, never became ready, or its binary is missing. */
export class SutStartError extends Error {
  constructor(
    message: string,
    /** The first lines of the SUT's own error output, when there is any. */
    readonly logExcerpt = '',
    readonly exitCode?: number | null,
  ) {
    super(logExcerpt ? `${message}\n${logExcerpt}` : message);
    this.name = 'SutStartError';
  }
}

/** Debian packages that provide the binaries sipconf knows how to manage. */
const DEBIAN_PACKAGE: Record<string, string> = {
  kamailio: 'kamailio',
  kamcmd: 'kamailio',
  baresip: 'baresip-core',
  sipp: 'sip-tester',
  sipsak: 'sipsak',
};

// ---- safety net: no SUT outlives the harness ------------------------------------------------------------------
const live = new Set<number>();
let netInstalled = false;
function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  const killAll = () => {
    for (const pid of live) signalGroup(pid, 'SIGKILL');
    live.clear();
  };
  process.on('exit', killAll);
  // A signal ends node without 'exit': kill the SUTs, then let the signal do what it would have done.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      process.removeListener(sig, onSignal);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

// ---- templates --------------------------------------------------------------------------------------------------

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** Fills `{name}` placeholders; an unknown name is an error (commands, paths, env). */
export function renderStrict(template: string, values: Record<string, string>, what: string): string {
  return template.replace(PLACEHOLDER, (m, name: string) => {
    const v = values[name];
    if (v === undefined)
      throw new Error(
        `${what}: unknown placeholder ${m} (known: ${Object.keys(values)
          .map((k) => `{${k}}`)
          .join(' ')})`,
      );
    return v;
  });
}

/** Fills only the known `{name}` placeholders (config files have braces of their own). */
export function renderKnown(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (m, name: string) => values[name] ?? m);
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

/** Finds an executable on PATH and in the sbin dirs (Kamailio lives in /usr/sbin, often not on a user's PATH). */
export function findExecutable(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const isExec = (p: string) => {
    try {
      accessSync(p, fsConstants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return isExec(name) ? path.resolve(name) : undefined;
  const dirs = [...envPath.split(path.delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (isExec(p)) return p;
  }
  return undefined;
}

export function missingBinaryMessage(name: string): string {
  const base = path.basename(name);
  const pkg = DEBIAN_PACKAGE[base];
  return pkg
    ? `${base} is not installed (Debian package: ${pkg}; apt-get install ${pkg})`
    : `${name} is not installed or not executable`;
}

// ---- start / stop -----------------------------------------------------------------------------------------------

/** The first lines of the SUT's output that look like errors, or its first lines when none do. */
export function errorExcerpt(log: string, max = 12): string {
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) =>
    /\b(error|critical|crit|fatal|alert|emerg|cannot|can't|could not|failed|no such|denied|invalid|bad)\b/i.test(l),
  );
  const pick = (errors.length > 0 ? errors : lines).slice(0, max);
  return pick.map((l) => `  | ${l.length > 300 ? l.slice(0, 300) + '…' : l}`).join('\n');
}

export async function startManagedSut(profile: SutProfile, opts: ManagedSutOptions = {}): Promise<ManagedSut> {
  if (!profile.start) {
    throw new ProfileError([
      { file: profile.file, message: 'the profile has no start: command, so sipconf cannot manage this SUT' },
    ]);
  }
  if (profile.ready === 'register' && !opts.waitForRegister) {
    // A UA SUT registers with the harness: whoever starts it must listen first and say when the REGISTER came.
    throw new Error(
      `${profile.name}: ready: register needs ManagedSutOptions.waitForRegister — start the harness's registrar on {listenPort} first and resolve on the SUT's first REGISTER`,
    );
  }
  const host = opts.host ?? '127.0.0.1';
  const started = performance.now();
  const timeoutMs = opts.startTimeoutMs ?? profile.startTimeoutMs;

  const runDir = await mkdtemp(
    path.join(opts.tmpRoot ?? os.tmpdir(), `sipconf-${profile.name.replace(/[^A-Za-z0-9.-]/g, '_')}-`),
  );
  let child: ChildProcess | undefined;
  let sut: ManagedSut | undefined;
  try {
    const need = [
      opts.port === undefined,
      opts.registrarPort === undefined,
      opts.listenPort === undefined,
      true,
      true,
    ].filter(Boolean).length;
    const free = await allocatePorts(host, need);
    const port = opts.port ?? free.shift()!;
    const registrarPort = opts.registrarPort ?? free.shift()!;
    const listenPort = opts.listenPort ?? free.shift()!;
    const controlPort = free.shift()!;
    const trunkPort = free.shift()!;
    const firstUser = profile.users?.[0];

    const values: Record<string, string> = {
      dir: profile.dir,
      run: runDir,
      host,
      port: String(port),
      registrarPort: String(registrarPort),
      listenPort: String(listenPort),
      listen: formatEndpoint({ address: host, port: listenPort }),
      controlPort: String(controlPort),
      trunkPort: String(trunkPort),
      name: profile.name,
      domain: profile.domain ?? host,
      uuid: randomUUID(),
      user: firstUser?.user ?? 'sipconf',
      password: firstUser?.password ?? '',
      authUser: firstUser?.authUser ?? firstUser?.user ?? 'sipconf',
    };
    const renderOrFail = (t: string, what: string) => {
      try {
        return renderStrict(t, values, what);
      } catch (e) {
        throw new ProfileError([{ file: profile.file, message: (e as Error).message }]);
      }
    };
    values.log = profile.log ? renderOrFail(profile.log, 'log') : path.join(runDir, 'sut.log');
    // vars may use the base placeholders; options override the profile.
    for (const [k, v] of Object.entries(profile.vars)) values[k] = renderOrFail(v, `vars.${k}`);
    for (const [k, v] of Object.entries(opts.vars ?? {})) values[k] = String(v);

    const endpoint = (raw: string | undefined, what: string) =>
      raw ? parseEndpoint(renderOrFail(raw, what)) : undefined;
    const address = endpoint(profile.address, 'address');
    const registrar = endpoint(profile.registrar, 'registrar');
    const listen = endpoint(profile.listen, 'listen');
    const trunk = endpoint(profile.trunk, 'trunk');

    for (const f of profile.files) {
      const from = path.resolve(profile.dir, f.from);
      let text: string;
      try {
        text = await readFile(from, 'utf8');
      } catch (e) {
        throw new ProfileError([
          { file: profile.file, message: `files: cannot read template ${from}: ${(e as NodeJS.ErrnoException).code}` },
        ]);
      }
      const to = path.resolve(runDir, renderOrFail(f.to, 'files.to'));
      await mkdir(path.dirname(to), { recursive: true });
      await writeFile(to, renderKnown(text, values));
    }

    const argv = splitCommand(renderOrFail(profile.start, 'start'));
    if (argv.length === 0) throw new ProfileError([{ file: profile.file, message: 'start: empty command' }]);
    const bin = findExecutable(argv[0]!);
    if (!bin) throw new SutStartError(`${profile.name}: cannot start: ${missingBinaryMessage(argv[0]!)}`);

    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(profile.env)) env[k] = renderOrFail(v, `env.${k}`);
    const cwd = profile.cwd ? path.resolve(profile.dir, renderOrFail(profile.cwd, 'cwd')) : runDir;
    const logPath = values.log;
    await mkdir(path.dirname(logPath), { recursive: true });

    const logFd = openSync(logPath, 'a');
    try {
      // detached: its own process group, so stop() reaches every worker (Kamailio forks many).
      child = spawn(bin, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    const proc = child;
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      proc.once('spawn', () => resolve(undefined));
      proc.once('error', (e) => resolve(e));
    });
    if (spawnError || proc.pid === undefined)
      throw new SutStartError(`${profile.name}: cannot start ${bin}: ${spawnError?.message ?? 'no pid'}`);
    const pid = proc.pid;
    live.add(pid);
    installSafetyNet();

    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exitedPromise = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        resolve();
      });
    });

    let finalLog: string | undefined;
    let stopping: Promise<void> | undefined;
    const readLog = async () => finalLog ?? (await readFile(logPath, 'utf8').catch(() => ''));
    const stop = () => {
      stopping ??= (async () => {
        if (!exitInfo) {
          signalGroup(pid, profile.stop.signal);
          const graceful = await within(exitedPromise, profile.stop.graceMs);
          if (!graceful) {
            signalGroup(pid, 'SIGKILL');
            await within(exitedPromise, 5000);
          }
        }
        // Workers the main process left behind (same process group) go too.
        signalGroup(pid, 'SIGKILL');
        live.delete(pid);
        finalLog = await readFile(logPath, 'utf8').catch(() => '');
        if (!opts.keepRunDir) await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
      })();
      return stopping;
    };

    sut = {
      profile,
      address,
      registrar,
      listen,
      trunk,
      runDir,
      logPath,
      pid,
      placeholders: values,
      // {uri} is filled when a call is placed (dial), so it survives rendering unless given.
      render: (t: string, extra: Record<string, string> = {}) =>
        renderStrict(t, { ...values, uri: '{uri}', ...extra }, 'template'),
      readLog,
      dial: (uri: string, dialTimeoutMs = 10000) => runDial(profile, { ...values, uri }, dialTimeoutMs),
      get exited() {
        return exitInfo !== undefined;
      },
      stop,
    };

    // ---- readiness, bounded by the time budget and by the process exiting ----
    const deadline = started + timeoutMs;
    const abort = new AbortController();
    // Both "guards" settle at most once and are marked handled, so a guard that loses the race (or the SUT exiting
    // later, at stop) never becomes an unhandled rejection.
    const exitedEarly = exitedPromise.then(async (): Promise<never> => {
      if (abort.signal.aborted) return new Promise<never>(() => undefined);
      await delay(50); // let the last output reach the log
      const how = exitInfo?.signal ? `was killed by ${exitInfo.signal}` : `exited with code ${exitInfo?.code}`;
      throw new SutStartError(
        `${profile.name} ${how} before it was ready`,
        errorExcerpt(await readLog()),
        exitInfo?.code,
      );
    });
    exitedEarly.catch(() => undefined);
    try {
      if (profile.ready === 'options') {
        const targets = [address, registrar].filter((e): e is Endpoint => e !== undefined);
        if (targets.length === 0)
          throw new ProfileError([
            { file: profile.file, message: 'ready: options needs address: (or registrar:) to probe' },
          ]);
        const transport = profile.transports.includes('udp') ? 'udp' : 'tcp';
        await Promise.race([
          waitForOptions(targets, transport, deadline, profile.timers.t1, abort.signal, profile.name),
          exitedEarly,
        ]);
      } else if (profile.ready === 'register') {
        if (!opts.waitForRegister) throw new Error('unreachable: checked before start');
        const listenAt = listen ?? { address: host, port: listenPort };
        const timeout = new Promise<never>((_, reject) => {
          const t = setTimeout(
            () =>
              reject(
                new SutStartError(
                  `${profile.name} did not REGISTER to ${formatEndpoint(listenAt)} within ${timeoutMs} ms`,
                ),
              ),
            Math.max(0, deadline - performance.now()),
          );
          abort.signal.addEventListener('abort', () => clearTimeout(t));
        });
        timeout.catch(() => undefined);
        await Promise.race([opts.waitForRegister({ listen: listenAt, signal: abort.signal }), timeout, exitedEarly]);
      } else {
        await Promise.race([delay(0), exitedEarly]);
      }
    } catch (e) {
      abort.abort();
      if (e instanceof SutStartError && !exitInfo && !e.logExcerpt) {
        // Not ready in time: add what the SUT said about it.
        const excerpt = errorExcerpt(await readLog());
        await stop();
        throw new SutStartError(e.message.split('\n')[0]!, excerpt);
      }
      throw e;
    } finally {
      abort.abort();
    }
    return sut;
  } catch (e) {
    if (sut) await sut.stop();
    else if (child?.pid !== undefined) {
      signalGroup(child.pid, 'SIGKILL');
      live.delete(child.pid);
    }
    if (!sut) await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

async function runDial(profile: SutProfile, values: Record<string, string>, timeoutMs: number): Promise<void> {
  if (!profile.dial)
    throw new Error(`${profile.name}: the profile has no dial: command, so sipconf cannot make it place a call`);
  const cmd = renderStrict(profile.dial, values, 'dial');
  const ctrl = /^ctrl_tcp:\/\/([^/]+)\/(\S+)(?:\s+(.*))?$/.exec(cmd);
  if (ctrl) {
    const res = await baresipCommand(parseEndpoint(ctrl[1]!), ctrl[2]!, ctrl[3] ?? '', timeoutMs);
    if (!res.ok) throw new Error(`${profile.name}: dial refused: ${res.data.trim() || 'no reason given'}`);
    return;
  }
  const argv = splitCommand(cmd);
  const bin = findExecutable(argv[0]!);
  if (!bin) throw new Error(`${profile.name}: dial: ${missingBinaryMessage(argv[0]!)}`);
  await new Promise<void>((resolve, reject) => {
    const p = spawn(bin, argv.slice(1), {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()).length > 4000 && (err = err.slice(-4000)));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${profile.name}: dial command ${signal ? `killed by ${signal} (timeout ${timeoutMs} ms)` : `exited with ${code}`}: ${err.trim().split('\n')[0] ?? ''}`,
          ),
        );
    });
  });
}

async function waitForOptions(
  targets: Endpoint[],
  transport: 'udp' | 'tcp',
  deadline: number,
  t1: number,
  signal: AbortSignal,
  name: string,
): Promise<void> {
  for (const target of targets) {
    let last = '';
    for (;;) {
      if (signal.aborted) return;
      const left = deadline - performance.now();
      if (left <= 0)
        throw new SutStartError(
          `${name} never answered OPTIONS: ${last || `no answer from ${formatEndpoint(target)}`}`,
        );
      const r = await probeOptions(target, transport, Math.min(left, Math.max(1000, 4 * t1)), {
        t1: Math.min(t1, 250),
      });
      if (r.ok) break;
      last = r.reason;
      await delay(Math.min(100, Math.max(0, deadline - performance.now())));
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* ESRCH: the group is gone */
  }
}

/** True when `p` settled within `ms`; the timer is cleared either way. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (t = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timedOut]);
  } finally {
    clearTimeout(t);
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
