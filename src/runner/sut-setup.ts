/**
 * Turns the command line into a SUT the checks can run against: the embedded reference SUT (no target), a bare
 * `--target HOST:PORT`, or a profile (`--sut FILE`) — managed (started, probed, stopped) when it has `start:`.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEndpoint } from '../transport/endpoint';
import type { SutInfo } from '../scenario/check';
import { resolveTimers } from '../transaction/timers';
import type { Endpoint, TransportProtocol } from '../transport/types';
import { FaultName, ReferenceSut } from '../sut/reference';
import { findExecutable, missingBinaryMessage } from '../process/executables';
import { ManagedSut, SutStartError, startManagedSut } from '../sut/managed';
import { splitCommand } from '../sut/placeholders';
import { SutProfile, loadProfile, profileEndpoints } from '../sut/profile';

export interface SutSetupOptions {
  target?: string;
  profile?: string;
  transport?: TransportProtocol;
  t1?: number;
  faults?: FaultName[];
  /** The embedded reference SUT's role: 'proxy' (default) or 'b2bua'. */
  role?: 'proxy' | 'b2bua';
  /** Log lines of an embedded or managed SUT. */
  log?: (line: string) => void;
}

export interface PreparedSut {
  info: SutInfo;
  /** Human-readable target for the summary JSON. */
  target: string;
  secrets: string[];
  expectedFailures: Record<string, { rfc: string; reason: string }>;
  endpointNames: Record<string, string>;
  /** Whether to probe with OPTIONS before the run (not for a UA SUT). */
  probe: boolean;
  /** Where to probe when it is not the checks' address (the probe speaks UDP or TCP only). */
  probeAt?: { endpoint: Endpoint; transport: 'udp' | 'tcp' };
  version?: string;
  /** The SUT's log file (a managed SUT's own log; the embedded SUT's message log): each check attaches its part. */
  logPath?: string;
  /** Role ua with start: the profile file; the checks start one UA instance each (ua-launcher.ts). */
  uaProfile?: string;
  stop(): Promise<void>;
}

/** The embedded reference SUT's credentials: REGISTER-AUTH runs against them; they are masked in reports. */
const EMBEDDED_USER = { user: '*', password: 'embedded-reference-secret' };

/** Default T1 against the embedded SUT: short, since both sides run on loopback (the SUT uses the same T1). */
export const EMBEDDED_T1 = 100;

export async function prepareSut(opts: SutSetupOptions): Promise<PreparedSut> {
  if (opts.profile) return fromProfile(opts.profile, opts);
  if (opts.target) return fromTarget(opts.target, opts);
  return embedded(opts);
}

function name(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

async function embedded(opts: SutSetupOptions): Promise<PreparedSut> {
  const timers = resolveTimers({ t1: opts.t1 ?? EMBEDDED_T1 });
  const logDir = mkdtempSync(path.join(tmpdir(), 'sipconf-sut-'));
  const logPath = path.join(logDir, 'reference-sut.log');
  const logFd = openSync(logPath, 'a');
  const log = (line: string) => {
    writeSync(logFd, line + '\n');
    opts.log?.(line);
  };
  let sut: ReferenceSut;
  try {
    sut = await ReferenceSut.start({
      timers,
      faults: opts.faults,
      users: [EMBEDDED_USER],
      minExpires: 60,
      log,
      tls: opts.transport === 'tls',
      ...(opts.role === 'b2bua' ? { role: 'b2bua' as const } : {}),
    });
  } catch (e) {
    closeSync(logFd);
    rmSync(logDir, { recursive: true, force: true });
    throw e;
  }
  const transports: TransportProtocol[] = opts.transport ? [opts.transport] : ['udp', 'tcp'];
  // Checks send to the address of the run's transport; over TLS the agents trust the SUT's own certificate.
  const address = sut.address(opts.transport ?? 'udp');
  const registrar = sut.registrarAddress(opts.transport ?? 'udp');
  const faults = opts.faults?.length ? ` with faults ${opts.faults.join(', ')}` : '';
  const info: SutInfo = {
    name: `sipconf reference SUT${opts.role === 'b2bua' ? ' (b2bua)' : ''}${faults}`,
    role: opts.role ?? 'proxy',
    address,
    registrar,
    domain: sut.domain,
    transports,
    capabilities:
      opts.role === 'b2bua'
        ? ['registrar', 'auth', 'min-expires', 'offer-relay']
        : ['registrar', 'outbound', 'path', 'auth', 'min-expires', 'record-route', 'presence', 'parallel-forking'],
    users: [EMBEDDED_USER],
    timers,
    minExpires: 60,
    allFlowsFailedStatus: 480,
    tls: sut.tlsCertificate ? { ca: sut.tlsCertificate } : undefined,
  };
  return {
    info,
    target: `embedded reference SUT ${name(address)}${faults}`,
    secrets: [EMBEDDED_USER.password],
    expectedFailures: {},
    endpointNames: {
      [name(sut.address('udp'))]: 'SUT',
      [name(sut.registrarAddress('udp'))]: 'SUT registrar',
      [name(sut.address('tcp'))]: 'SUT',
      [name(sut.registrarAddress('tcp'))]: 'SUT registrar',
      ...(sut.tlsCertificate
        ? { [name(sut.address('tls'))]: 'SUT', [name(sut.registrarAddress('tls'))]: 'SUT registrar' }
        : {}),
    },
    probe: true,
    probeAt: { endpoint: sut.address('udp'), transport: 'udp' },
    version: 'embedded',
    logPath,
    stop: async () => {
      await sut.close();
      closeSync(logFd);
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

function fromTarget(target: string, opts: SutSetupOptions): PreparedSut {
  const address = parseEndpoint(target);
  const timers = resolveTimers({ t1: opts.t1 });
  const info: SutInfo = {
    name: target,
    role: 'proxy',
    address,
    domain: address.address.includes(':') ? `[${address.address}]` : address.address,
    transports: [opts.transport ?? 'udp'],
    capabilities: ['registrar'],
    timers,
  };
  return {
    info,
    target,
    secrets: [],
    expectedFailures: {},
    endpointNames: { [name(address)]: 'SUT' },
    probe: true,
    stop: async () => undefined,
  };
}

async function fromProfile(file: string, opts: SutSetupOptions): Promise<PreparedSut> {
  const profile = await loadProfile(file);
  // A managed UA registers with the harness, so it is started by each check, against that check's registrar.
  const perCheckUa = profile.role === 'ua' && !!profile.start;
  if (perCheckUa) {
    const bin = splitCommand(profile.start!)[0] ?? '';
    if (!findExecutable(bin)) throw new SutStartError(`${profile.name}: cannot start: ${missingBinaryMessage(bin)}`);
  }
  let managed: ManagedSut | undefined;
  if (profile.start && !perCheckUa) managed = await startManagedSut(profile);
  const eps = perCheckUa
    ? { listen: { address: listenHost(profile.listen), port: 0 } }
    : managed
      ? { address: managed.address, registrar: managed.registrar, listen: managed.listen, trunk: managed.trunk }
      : profileEndpoints(profile);
  const timers = resolveTimers({ t1: opts.t1 ?? profile.timers.t1, t2: profile.timers.t2, t4: profile.timers.t4 });
  const info: SutInfo = {
    name: profile.name,
    role: profile.role,
    address: eps.address,
    registrar: eps.registrar,
    listen: eps.listen,
    domain:
      profile.domain ??
      (eps.address
        ? eps.address.address.includes(':')
          ? `[${eps.address.address}]`
          : eps.address.address
        : '127.0.0.1'),
    transports: opts.transport ? [opts.transport] : profile.transports,
    capabilities: profile.capabilities,
    users: profile.users,
    ...(profile.accounts ? { accounts: profile.accounts } : {}),
    ...(eps.trunk ? { trunk: eps.trunk } : {}),
    timers,
    ...(profile.timeouts ? { timeouts: profile.timeouts } : {}),
    minExpires: profile.minExpires,
    allFlowsFailedStatus: profile.allFlowsFailedStatus,
    dial: managed && profile.dial ? managed.render(profile.dial) : profile.dial,
  };
  const endpointNames: Record<string, string> = {};
  if (eps.address) endpointNames[name(eps.address)] = 'SUT';
  if (eps.registrar) endpointNames[name(eps.registrar)] = 'SUT registrar';
  const expectedFailures: PreparedSut['expectedFailures'] = {};
  for (const f of profile.expectedFailures) expectedFailures[f.check] = { rfc: f.rfc, reason: f.reason };
  return {
    info,
    target: `${profile.name} (${eps.address ? name(eps.address) : profile.file})`,
    secrets: profile.secrets,
    expectedFailures,
    endpointNames,
    probe: profile.role !== 'ua' && !!eps.address,
    version: profile.version,
    logPath: managed?.logPath,
    uaProfile: perCheckUa ? profile.file : undefined,
    stop: async () => {
      if (managed) await managed.stop();
    },
  };
}

/** The host of a profile's `listen:` (its port may be a placeholder the UA launcher fills per check). */
function listenHost(listen: string | undefined): string {
  const m = listen ? /^(?:\[([0-9A-Fa-f:.]+)\]|([^:]+)):/.exec(listen) : null;
  return m ? (m[1] ?? m[2]!) : '127.0.0.1';
}

export type { SutProfile };
