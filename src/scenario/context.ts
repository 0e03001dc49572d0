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
import { CheckMeta, NonConformance, SutInfo } from './check';

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
  ) {}

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
    const agent = await SipAgent.create({
      name,
      trace: this.trace,
      timers: this.timers,
      host,
      user: opts.user ?? this.freshUser(name),
      domain: this.sut.domain,
      tls: this.sut.tls,
      ...opts,
      listen,
    });
    this.agents.push(agent);
    return agent;
  }

  registrant(agent: SipAgent, opts: Partial<RegistrantOptions> & { transport?: TransportProtocol } = {}): Registrant {
    const transport = opts.transport ?? this.defaultTransport();
    const creds = this.sut.users?.[0];
    // A "*" account means any user name with that password: the agent authenticates as its own (fresh) user.
    const username = creds ? (creds.user === '*' ? agent.user : (creds.authUser ?? creds.user)) : undefined;
    const defined = Object.fromEntries(
      Object.entries(opts).filter(([, v]) => v !== undefined),
    ) as Partial<RegistrantOptions>;
    return new Registrant(agent, {
      requestUri: `sip:${this.sut.domain}`,
      credentials: creds?.password && username ? { username, password: creds.password } : undefined,
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

  assert(condition: unknown, message: string): asserts condition {
    if (!condition) this.fail(message);
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
  }
}
