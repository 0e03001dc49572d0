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
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findExecutable, missingBinaryMessage } from '../process/executables';
import { allocatePorts } from '../process/free-ports';
import { ProcessGroup, SpawnError } from '../process/process-group';
import { parseEndpoint } from '../transport/endpoint';
import type { Endpoint } from '../transport/types';
import { runDial } from './dial';
import { placeholderValues, renderKnown, renderProfileField, renderStrict, splitCommand } from './placeholders';
import { ProfileError, type SutProfile } from './profile';
import { SutStartError, awaitReady } from './readiness';

export { SutStartError } from './readiness';

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
  let group: ProcessGroup | undefined;
  try {
    const ports = await choosePorts(host, opts);
    const values = placeholderValues({ profile, runDir, host, ports, vars: opts.vars });
    const render = (t: string, what: string) => renderProfileField(profile, t, values, what);
    const endpoint = (raw: string | undefined, what: string) => (raw ? parseEndpoint(render(raw, what)) : undefined);
    const address = endpoint(profile.address, 'address');
    const registrar = endpoint(profile.registrar, 'registrar');
    const listen = endpoint(profile.listen, 'listen');
    const trunk = endpoint(profile.trunk, 'trunk');
    await writeTemplateFiles(profile, runDir, values);
    group = await spawnSut(profile, runDir, values);
    const sut = managedSut(profile, group, {
      address,
      registrar,
      listen,
      trunk,
      runDir,
      values,
      keepRunDir: opts.keepRunDir,
    });
    try {
      await awaitReady({
        profile,
        group,
        address,
        registrar,
        listenAt: listen ?? { address: host, port: ports.listenPort },
        deadline: started + timeoutMs,
        timeoutMs,
        readLog: sut.readLog,
        waitForRegister: opts.waitForRegister,
      });
    } catch (e) {
      await sut.stop();
      throw e;
    }
    return sut;
  } catch (e) {
    if (group) await group.stop('SIGKILL', 0);
    // keepRunDir keeps the files of a SUT that started and then failed, for a post-mortem.
    if (!(group && opts.keepRunDir)) await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

/** Free ports for whatever the options did not fix (the SUT's, the registrar's, the harness's listener), control, trunk. */
async function choosePorts(host: string, opts: ManagedSutOptions) {
  const need = [opts.port, opts.registrarPort, opts.listenPort].filter((p) => p === undefined).length + 2;
  const free = await allocatePorts(host, need);
  return {
    port: opts.port ?? free.shift()!,
    registrarPort: opts.registrarPort ?? free.shift()!,
    listenPort: opts.listenPort ?? free.shift()!,
    controlPort: free.shift()!,
    trunkPort: free.shift()!,
  };
}

/** The profile's `files:` templates, rendered into the runtime dir (only known placeholders are filled). */
async function writeTemplateFiles(profile: SutProfile, runDir: string, values: Record<string, string>): Promise<void> {
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
    const to = path.resolve(runDir, renderProfileField(profile, f.to, values, 'files.to'));
    await mkdir(path.dirname(to), { recursive: true });
    await writeFile(to, renderKnown(text, values));
  }
}

/** Starts the profile's `start:` command in its own process group, its output appended to the log file. */
async function spawnSut(profile: SutProfile, runDir: string, values: Record<string, string>): Promise<ProcessGroup> {
  const render = (t: string, what: string) => renderProfileField(profile, t, values, what);
  const argv = splitCommand(render(profile.start!, 'start'));
  if (argv.length === 0) throw new ProfileError([{ file: profile.file, message: 'start: empty command' }]);
  const bin = findExecutable(argv[0]!);
  if (!bin) throw new SutStartError(`${profile.name}: cannot start: ${missingBinaryMessage(argv[0]!)}`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(profile.env)) env[k] = render(v, `env.${k}`);
  const cwd = profile.cwd ? path.resolve(profile.dir, render(profile.cwd, 'cwd')) : runDir;
  await mkdir(path.dirname(values.log!), { recursive: true });
  const logFd = openSync(values.log!, 'a');
  try {
    // Its own process group, so stop() reaches every worker (Kamailio forks many).
    return await ProcessGroup.spawn(bin, argv.slice(1), { cwd, env, stdio: ['ignore', logFd, logFd] });
  } catch (e) {
    if (e instanceof SpawnError) throw new SutStartError(`${profile.name}: ${e.message}`);
    throw e;
  } finally {
    closeSync(logFd);
  }
}

interface ManagedParts {
  address?: Endpoint;
  registrar?: Endpoint;
  listen?: Endpoint;
  trunk?: Endpoint;
  runDir: string;
  values: Record<string, string>;
  keepRunDir?: boolean;
}

/** The handle on a started SUT: its log, dial, and stop (the profile's signal, SIGKILL after the grace). */
function managedSut(profile: SutProfile, group: ProcessGroup, parts: ManagedParts): ManagedSut {
  const { runDir, values } = parts;
  const logPath = values.log!;
  let finalLog: string | undefined;
  let stopping: Promise<void> | undefined;
  const readLog = async () => finalLog ?? (await readFile(logPath, 'utf8').catch(() => ''));
  const stop = () => {
    stopping ??= (async () => {
      await group.stop(profile.stop.signal, profile.stop.graceMs);
      finalLog = await readFile(logPath, 'utf8').catch(() => '');
      if (!parts.keepRunDir) await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    })();
    return stopping;
  };
  return {
    profile,
    address: parts.address,
    registrar: parts.registrar,
    listen: parts.listen,
    trunk: parts.trunk,
    runDir,
    logPath,
    pid: group.pid,
    placeholders: values,
    // {uri} is filled when a call is placed (dial), so it survives rendering unless given.
    render: (t: string, extra: Record<string, string> = {}) =>
      renderStrict(t, { ...values, uri: '{uri}', ...extra }, 'template'),
    readLog,
    dial: (uri: string, dialTimeoutMs = 10000) => runDial(profile, { ...values, uri }, dialTimeoutMs),
    get exited() {
      return group.exit !== undefined;
    },
    stop,
  };
}
