/**
 * The context a check runs in: the SUT, the run's timers, the check's trace, agents that are closed when the
 * check ends, fresh user names (state isolation: leftovers of one check never change another's verdict), and
 * steps that the runner reports (Allure) — the scenario layer itself knows nothing of the report.
 */
import { randomBytes } from 'node:crypto';
import { Duration, toMs } from '../agent/duration';
import { Registrant, RegistrantOptions } from '../agent/registrant';
import { AgentOptions, SipAgent } from '../agent/sip-agent';
import type { Target } from '../transaction/transaction';
import type { TimerConfig } from '../transaction/timers';
import { Trace } from '../transport/trace';
import { agentCertificate } from '../transport/loopback-certificate';
import type { Endpoint, TransportProtocol } from '../transport/types';
import { SipUri, parseUri } from '../sip/uri';
import { ExpectationError } from '../agent/expectation';
import { CheckMeta, NonConformance, SetupError, SutAccount, SutInfo } from './check';

export interface StepReporter {
  /** Runs `body` as a named step; a thrown error fails the step and the check. */
  step<T>(name: string, body: () => Promise<T>): Promise<T>;
  /** Attaches text to the current step (or the check). */
  attach(name: string, content: string | Buffer, contentType: string): void;
}

const plainSteps: StepReporter = {
  step: (_name, body) => body(),
  attach: () => undefined,
};

/** One instance of a managed user-agent SUT, started for one check (role ua). */
export interface UaInstance {
  readonly pid: number;
  /** Makes the UA place a call to `uri` (the profile's `dial:`). */
  dial(uri: string): Promise<void>;
  readLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a fresh instance of a managed UA SUT that registers to the harness at `listenPort` (the runner provides
 * it for a profile with role ua and start:). Resolves once `firstRegister` resolved: the UA's first REGISTER
 * reached the check's registrar; rejects when the UA exits or does not register in its profile's start time.
 */
export interface UaLauncher {
  start(listenPort: number, firstRegister: (signal: AbortSignal) => Promise<unknown>): Promise<UaInstance>;
}

/** The accounts leased to one check, by party name, and how to give them back. */
export interface PartyAccounts {
  byParty: Map<string, SutAccount>;
  release(): void;
}

/** Hands out a profile's accounts (and its trunk) to checks, never one to two checks at once (runner/account-leases). */
export interface AccountLeaser {
  acquire(parties: readonly string[], timeoutMs: number): Promise<PartyAccounts>;
  acquireTrunk(timeoutMs: number): Promise<() => void>;
}

export class CheckContext {
  readonly trace = new Trace();
  /** Lines the check logs (shown in the report). */
  readonly notes: string[] = [];
  private readonly agents: SipAgent[] = [];
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private readonly runTag = randomBytes(3).toString('hex');

  constructor(
    readonly check: CheckMeta,
    readonly sut: SutInfo,
    readonly reporter: StepReporter = plainSteps,
    /** Role ua with a managed SUT: starts one UA instance per check (see UaLauncher). */
    readonly uaLauncher?: UaLauncher,
    /** Against a SUT with an accounts pool: where the check's parties get their accounts. */
    readonly leaser?: AccountLeaser,
  ) {}

  private leased?: PartyAccounts;

  /**
   * Leases one account per declared party (all at once, waiting at most 64·T1 or 30 s) when the SUT has an
   * accounts pool; the runner calls it before the check runs. Without a pool it does nothing: fresh users.
   */
  async acquireAccounts(timeoutMs = Math.max(30_000, this.ms('64*T1'))): Promise<void> {
    const parties = this.check.parties ?? [];
    if (!this.sut.accounts || parties.length === 0 || this.leased) return;
    if (!this.leaser) throw new Error('the SUT has an accounts pool but the check was given no account leaser');
    try {
      this.leased = await this.leaser.acquire(parties, timeoutMs);
    } catch (e) {
      throw new SetupError(`setup — ${(e as Error).message}`);
    }
    this.onCleanup(() => this.releaseAccounts());
  }

  private trunkLeased = false;

  /**
   * The trunk next hop (profile `trunk:`) for this check alone: waits (bounded) while another check's callee
   * listens there, and gives it back when the check ends. Without a leaser (one check at a time) it does nothing.
   */
  async leaseTrunk(timeoutMs = Math.max(30_000, this.ms('64*T1'))): Promise<void> {
    if (this.trunkLeased || !this.leaser) return;
    let release: () => void;
    try {
      release = await this.leaser.acquireTrunk(timeoutMs);
    } catch (e) {
      throw new SetupError(`setup — ${(e as Error).message}`);
    }
    this.trunkLeased = true;
    // Released after the agents are closed (cleanups run before that): the port must be free for the next check.
    this.afterClose.push(release);
  }

  private readonly afterClose: Array<() => void> = [];

  /** The account leased to a party (alice, bob …), if the SUT has an accounts pool. */
  accountOf(party: string): SutAccount | undefined {
    return this.leased?.byParty.get(party);
  }

  /** The account an agent plays (by its user name), if any. */
  accountOfAgent(agent: SipAgent): SutAccount | undefined {
    for (const a of this.leased?.byParty.values() ?? []) if (a.user === agent.user) return a;
    return undefined;
  }

  /** The digest credentials an agent uses: its account's, or the profile's first user (`*`: any user name). */
  credentialsFor(agent: SipAgent): { username: string; password: string } | undefined {
    const account = this.accountOfAgent(agent);
    if (account) return { username: account.authUser ?? account.user, password: account.password };
    const creds = this.sut.users?.[0];
    const username = creds ? (creds.user === '*' ? agent.user : (creds.authUser ?? creds.user)) : undefined;
    return creds?.password && username ? { username, password: creds.password } : undefined;
  }

  /**
   * A 401/403 to an account's own, authorized REGISTER means the profile's credentials do not work with the SUT:
   * a setup problem, never the SUT's non-conformance (throws SetupError). Other agents: does nothing.
   */
  checkAccountAccepted(agent: SipAgent, status: number): void {
    const account = this.accountOfAgent(agent);
    if (!account || (status !== 401 && status !== 403 && status !== 407)) return;
    throw new SetupError(
      `setup — the SUT rejected account ${account.user}'s credentials (${status} to its own REGISTER for ${this.accountAor(account)}); check the profile's accounts`,
    );
  }

  /** The AOR an account registers: its `aor`, or sip:user@domain. */
  accountAor(account: SutAccount): SipUri {
    return parseUri(account.aor ?? `sip:${account.user}@${this.sut.domain}`) as SipUri;
  }

  /**
   * Clean-up between checks: each leased account's bindings are removed (`Contact: *`, `Expires: 0`, RFC 3261
   * §10.2.2) so the next check that gets it starts empty; then the accounts go back to the pool.
   */
  private async releaseAccounts(): Promise<void> {
    const leased = this.leased;
    this.leased = undefined;
    if (!leased) return;
    try {
      if (this.sut.capabilities.includes('registrar') || this.sut.role === 'registrar') {
        await Promise.all(
          [...leased.byParty.entries()].map(async ([party, account]) => {
            const aor = this.accountAor(account);
            const agent = await SipAgent.create({
              name: `cleanup-${party}`,
              trace: new Trace(),
              timers: this.timers,
              host: this.sut.address?.address.includes(':') ? '::1' : '127.0.0.1',
              user: account.user,
              domain: aor.host,
            });
            try {
              const r = new Registrant(agent, {
                registrar: this.sutTarget(),
                requestUri: `sip:${this.sut.domain}`,
                aor,
                credentials: { username: account.authUser ?? account.user, password: account.password },
              });
              await r
                .register(undefined, { contact: '*', expires: 0, within: this.ms('64*T1') })
                .catch(() => undefined);
            } finally {
              await agent.close();
            }
          }),
        );
      }
    } finally {
      leased.release();
    }
  }

  get timers(): TimerConfig {
    return this.sut.timers;
  }

  ms(d: Duration): number {
    return toMs(d, this.timers);
  }

  /** A user name no other check (or earlier run) uses: `alice-inv2xxack-3fa9c1`. */
  freshUser(prefix: string): string {
    const id = this.check.id
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 12);
    return `${prefix}-${id}-${this.runTag}`;
  }

  /** Creates an agent on loopback with the check's trace and timers; it is closed when the check ends. */
  async agent(name: string, opts: Partial<AgentOptions> = {}): Promise<SipAgent> {
    const host = this.sut.address?.address.includes(':') ? '::1' : '127.0.0.1';
    // A TLS listener serves the harness's loopback certificate; as a client the agent verifies the SUT against the
    // CA the SUT info names (verification stays on unless the profile explicitly turns it off).
    let listen = opts.listen;
    if (listen?.some((l) => (typeof l === 'string' ? l : l.transport) === 'tls')) {
      const cert = await agentCertificate();
      listen = listen.map((l) => (l === 'tls' ? { transport: 'tls' as const, tls: cert } : l));
    }
    const account = opts.user === undefined ? this.accountOf(name) : undefined;
    const agent = await SipAgent.create({
      name,
      trace: this.trace,
      timers: this.timers,
      host,
      user: opts.user ?? account?.user ?? this.freshUser(name),
      domain: account ? this.accountAor(account).host : this.sut.domain,
      tls: this.sut.tls,
      ...opts,
      listen,
    });
    this.agents.push(agent);
    return agent;
  }

  registrant(agent: SipAgent, opts: Partial<RegistrantOptions> & { transport?: TransportProtocol } = {}): Registrant {
    const transport = opts.transport ?? this.defaultTransport();
    const credentials = this.credentialsFor(agent);
    const account = this.accountOfAgent(agent);
    const defined = Object.fromEntries(
      Object.entries(opts).filter(([, v]) => v !== undefined),
    ) as Partial<RegistrantOptions>;
    return new Registrant(agent, {
      requestUri: `sip:${this.sut.domain}`,
      credentials,
      ...(account ? { aor: this.accountAor(account) } : {}),
      ...defined,
      registrar: opts.registrar ?? this.sutTarget(transport),
    });
  }

  /** The transport checks use unless they need a specific one: UDP if the SUT offers it, else its first. */
  defaultTransport(): TransportProtocol {
    return this.sut.transports.includes('udp') ? 'udp' : this.sut.transports[0]!;
  }

  /** The SUT's request address as a target. */
  sutTarget(transport: TransportProtocol = this.defaultTransport()): Target {
    return { remote: this.requireAddress('address'), transport };
  }

  registrarTarget(transport: TransportProtocol = this.defaultTransport()): Target {
    return { remote: this.requireAddress('registrar'), transport };
  }

  private requireAddress(key: 'address' | 'registrar'): Endpoint {
    const e = this.sut[key];
    if (!e) throw new Error(`the SUT profile has no ${key}: this check needs one`);
    return e;
  }

  step<T>(name: string, body: () => Promise<T>): Promise<T> {
    return this.reporter.step(name, body);
  }

  note(line: string): void {
    this.notes.push(line);
  }

  /** Fails the check as a SUT non-conformance, citing the RFC section in the message. */
  fail(message: string): never {
    throw new NonConformance(message);
  }

  /** Fails the check as a SUT non-conformance unless `condition` holds: only for what the SUT sent. */
  assert(condition: unknown, message: string): asserts condition {
    if (!condition) this.fail(message);
  }

  /**
   * Waits for something the SUT must send. An unmet expectation (an ExpectationError: nothing, or something else,
   * within the bound) fails the check as SUT non-conformance with `why(detail)`; any other error propagates as it
   * is, so a fault of the harness is reported broken rather than blamed on the SUT. Checks never catch broadly.
   */
  async expectFromSut<T>(wait: Promise<T>, why: (detail: string) => string): Promise<T> {
    try {
      return await wait;
    } catch (e) {
      if (e instanceof ExpectationError) this.fail(why(e.message));
      throw e;
    }
  }

  /**
   * A `.catch` handler for a wait on the SUT: an unmet expectation fails the check as SUT non-conformance with
   * `why(detail)`; any other error is rethrown unchanged (a harness error, reported broken).
   */
  unmet(why: (detail: string) => string): (e: unknown) => never {
    return (e) => {
      if (e instanceof ExpectationError) this.fail(why(e.message));
      throw e;
    };
  }

  /** A condition of the harness itself (its own timing, its own answers): when it fails, the check is broken. */
  invariant(condition: unknown, message: string): asserts condition {
    if (!condition) throw new Error(`harness: ${message}`);
  }

  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** Closes every agent and runs cleanups; safe to call twice. */
  async close(): Promise<void> {
    const cleanups = this.cleanups.splice(0).reverse();
    for (const c of cleanups) await Promise.resolve(c()).catch(() => undefined);
    const agents = this.agents.splice(0);
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    for (const f of this.afterClose.splice(0)) f();
  }
}
