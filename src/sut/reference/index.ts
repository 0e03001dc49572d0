/**
 * The embedded reference SUT: what `sipconf run` tests when no target is given, and what `sipconf sut` serves.
 * A registrar (RFC 3261 §10.3, RFC 5626 §6, RFC 3327), a stateful proxy (§16) and an RFC 5626 edge proxy (§5) with
 * authoritative-proxy failover (§7), built on the harness's own stack (TransportLayer, TransactionLayer, ProxyCore,
 * BindingStore) — and fault switches that each reproduce one defect, so every check can be shown to fail.
 *
 *   const sut = await ReferenceSut.start({ timers: { t1: 50 } });
 *   sut.address('tcp');            // edge + registrar + proxy, co-located
 *   sut.registrarAddress('tcp');   // registrar/authoritative proxy only: the harness plays the edge in front of it
 *   sut.setFault('drop-2xx-ack', true);
 */
import { Binding, BindingStore } from '../../agent/bindings';
import { FlowTokens } from '../../agent/flow-token';
import { loopbackCertificate } from '../../transport/loopback-certificate';
import { DigestServer } from '../../sip/digest';
import { parseUri } from '../../sip/uri';
import type { TimerConfig } from '../../transaction/timers';
import { Trace, TraceEntry } from '../../transport/trace';
import type { Endpoint, TransportProtocol } from '../../transport/types';
import { formatEndpoint } from '../../transport/types';
import { FaultSwitchboard } from './fault-switchboard';
import { FAULTS, FAULT_NAMES, FaultName, isFaultName, parseFaults } from './faults';
import { formatLogLine } from './log-line';
import { B2buaNode } from './b2bua';
import { SutNode, SutShared } from './sut-node';

export { FAULTS, FAULT_NAMES, isFaultName, parseFaults };
export type { FaultName };
export type { Binding };

export interface ReferenceSutOptions {
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 0: one ephemeral port shared by UDP and TCP when possible. */
  port?: number;
  /** Port of the registrar-only listener set; default 0 (ephemeral). */
  registrarPort?: number;
  /** Domain of the AORs; default the host. */
  domain?: string;
  faults?: FaultName[];
  timers?: Partial<TimerConfig>;
  /** §10.3 step 7: shorter non-zero expiries get 423 with this Min-Expires (default 60 s). */
  minExpires?: number;
  /** Longer expiries are cut down to this (default 7200 s). */
  maxExpires?: number;
  /** Digest auth on REGISTER when given (realm = the domain). A user named `*` accepts any user name with its
   *  password (fresh users per check, one secret). */
  users?: Array<{ user: string; password: string }>;
  /**
   * Strict accounts, as a PBX has them: each account may register only its own AOR, with its own password (digest
   * username authUser when given). Replaces `users`.
   */
  accounts?: Array<{ user: string; password: string; authUser?: string }>;
  /** RFC 5626 §4.4.1 Flow-Timer in seconds, sent with outbound registrations at the edge; default 30. */
  flowTimer?: number;
  /**
   * How long past the Flow-Timer a flow with an outbound registration may stay silent before the edge closes it as
   * dead (RFC 5626 §4.4.1: a grace period for transport delay), ms; default 10,000.
   */
  flowTimerGraceMs?: number;
  /** The trace every message goes into; a new one when absent. */
  trace?: Trace;
  /** One line per message and per proxy/registrar decision. */
  log?: (line: string) => void;
  /** Trace agent name; default 'sut' (the registrar-only listeners record as `<name>-registrar`). */
  name?: string;
  /** Timer C (RFC 3261 §16.8) for INVITE branches, ms; default 180000 (the RFC's "greater than 3 minutes"). */
  timerC?: number;
  /** Also listen on TLS (RFC 3261 §26.2): true generates a self-signed loopback certificate (see `tlsCertificate`). */
  tls?: boolean | { key: string | Buffer; cert: string | Buffer };
  /**
   * 'proxy' (default): registrar + stateful proxy + RFC 5626 edge. 'b2bua': registrar + back-to-back user agent
   * (b2bua.ts): callers authenticated with 407 when users/accounts are given, each call two dialogs.
   */
  role?: 'proxy' | 'b2bua';
  /** Role b2bua: calls to users without a binding go to this next hop (a trunk). */
  trunk?: Endpoint;
  /** Keep at most this many trace entries (a long-running `sipconf sut`); default unlimited. */
  traceLimit?: number;
}

export class ReferenceSut {
  readonly domain: string;
  readonly trace: Trace;
  private readonly switchboard: FaultSwitchboard;
  private readonly store: BindingStore;
  private readonly nodes: SutNode[];
  /** Role b2bua: the B2BUA node (address() and registrarAddress() are its one address). */
  private b2bua?: B2buaNode;
  /** The PEM certificate of the TLS listeners, for agents to trust (`tls: { ca: sut.tlsCertificate }`). */
  tlsCertificate?: string;
  private unsubscribe?: () => void;
  private closing?: Promise<void>;

  private constructor(
    domain: string,
    trace: Trace,
    switchboard: FaultSwitchboard,
    store: BindingStore,
    nodes: SutNode[],
  ) {
    this.domain = domain;
    this.trace = trace;
    this.switchboard = switchboard;
    this.store = store;
    this.nodes = nodes;
  }

  /** The faults switched on. */
  get faults(): ReadonlySet<FaultName> {
    return this.switchboard.active;
  }

  static async start(opts: ReferenceSutOptions = {}): Promise<ReferenceSut> {
    const host = opts.host ?? '127.0.0.1';
    const domain = opts.domain ?? (host.includes(':') ? `[${host}]` : host);
    const trace = opts.trace ?? new Trace();
    const name = opts.name ?? 'sut';
    const log = opts.log ?? (() => undefined);
    const faultSet = new Set<FaultName>(parseFaults(opts.faults ?? []));
    const switchboard = new FaultSwitchboard();
    const store = new BindingStore({
      minExpires: opts.minExpires ?? 60,
      maxExpires: opts.maxExpires ?? 7200,
      defaultExpires: 3600,
      outbound: true,
      decisions: switchboard.hooks('bindings'),
    });
    const users = opts.accounts
      ? new Map(opts.accounts.map((a) => [a.authUser ?? a.user, a.password]))
      : opts.users
        ? new Map(opts.users.map((u) => [u.user, u.password]))
        : undefined;
    const owners = opts.accounts ? new Map(opts.accounts.map((a) => [a.authUser ?? a.user, a.user])) : undefined;
    const nodes: SutNode[] = [];
    const shared: SutShared = {
      domain,
      ...(opts.timerC !== undefined ? { timerCMs: opts.timerC } : {}),
      tokens: new FlowTokens(),
      flowTimerGraceMs: opts.flowTimerGraceMs ?? 10_000,
      hooks: {
        transaction: switchboard.hooks('transaction'),
        proxy: switchboard.hooks('proxy'),
        location: switchboard.hooks('location'),
        presence: switchboard.hooks('presence'),
        requests: switchboard.hooks('requests'),
      },
      nodes,
      log,
      registrar: {
        store,
        decisions: switchboard.hooks('registrar'),
        ...(users ? { users, digest: new DigestServer({ realm: domain.replace(/^\[|\]$/g, '') }) } : {}),
        ...(owners ? { owners } : {}),
        everRegistered: new Set<string>(),
        flowTimer: opts.flowTimer ?? 30,
        log: (line) => log(`${new Date().toISOString().slice(11, 23)} registrar ${line}`),
      },
    };
    const sut = new ReferenceSut(domain, trace, switchboard, store, nodes);
    const agents = new Set([name, `${name}-registrar`]);
    if (opts.log || opts.traceLimit) {
      sut.unsubscribe = trace.subscribe((e: TraceEntry) => {
        if (e.agent === undefined || !agents.has(e.agent)) return;
        if (opts.log) log(formatLogLine(e) + (e.agent === name ? '' : '  [registrar-only]'));
        if (opts.traceLimit && trace.entries.length > opts.traceLimit)
          trace.entries.splice(0, trace.entries.length - opts.traceLimit);
      });
    }
    const tls = opts.tls === true ? await loopbackCertificate('sipconf-reference-sut') : opts.tls || undefined;
    if (tls) sut.tlsCertificate = tls.cert.toString();
    if (opts.role === 'b2bua') return ReferenceSut.startB2bua(sut, opts, shared, switchboard, faultSet, users);
    try {
      const listen = { host, trace, timers: opts.timers, ...(tls ? { tls } : {}) };
      nodes.push(await SutNode.start('edge', shared, { ...listen, port: opts.port ?? 0, agent: name }));
      const registrarAgent = `${name}-registrar`;
      nodes.push(
        await SutNode.start('registrar', shared, { ...listen, port: opts.registrarPort ?? 0, agent: registrarAgent }),
      );
    } catch (e) {
      await sut.close();
      throw e;
    }
    for (const f of faultSet) sut.setFault(f, true);
    return sut;
  }

  /** Role b2bua: the B2BUA node on the one address, sharing the registrar (and its users for caller digest). */
  private static async startB2bua(
    sut: ReferenceSut,
    opts: ReferenceSutOptions,
    shared: SutShared,
    switchboard: FaultSwitchboard,
    faultSet: Set<FaultName>,
    users: Map<string, string> | undefined,
  ): Promise<ReferenceSut> {
    try {
      sut.b2bua = await B2buaNode.start({
        host: opts.host ?? '127.0.0.1',
        port: opts.port ?? 0,
        agent: opts.name ?? 'sut',
        trace: sut.trace,
        timers: opts.timers,
        registrar: shared.registrar,
        domain: sut.domain,
        ...(users ? { callerAuth: { digest: shared.registrar.digest!, users } } : {}),
        ...(opts.trunk ? { trunk: opts.trunk } : {}),
        decisions: switchboard.hooks('b2bua'),
        clientHooks: switchboard.hooks('transaction'),
        log: shared.log,
      });
    } catch (e) {
      await sut.close();
      throw e;
    }
    for (const f of faultSet) sut.setFault(f, true);
    return sut;
  }

  /** Edge proxy + registrar + proxy, co-located (RFC 5626 §5.3 and §7 in one): UAs register and call here. */
  address(transport: TransportProtocol = 'udp'): Endpoint {
    if (this.b2bua) return this.b2bua.address(transport);
    return this.nodes[0]!.address(transport);
  }

  /**
   * The registrar / authoritative proxy ONLY (no edge behaviour): the harness plays the edge proxy in front of it.
   * REGISTERs arrive with a Path carrying the harness's flow token and `;ob`; requests to the AOR are routed via that
   * Path back to the harness edge, and a 430 from it makes this proxy try the next flow of the instance.
   */
  registrarAddress(transport: TransportProtocol = 'udp'): Endpoint {
    if (this.b2bua) return this.b2bua.address(transport);
    return this.nodes[1]!.address(transport);
  }

  /** One line for humans: where each listener set is. */
  describeAddresses(): string {
    if (this.b2bua)
      return `b2bua udp ${formatEndpoint(this.b2bua.address('udp'))}, tcp ${formatEndpoint(this.b2bua.address('tcp'))}`;
    const set = (n: SutNode) =>
      (['udp', 'tcp', 'tls'] as const)
        .filter((t) => n.transport.listener(t))
        .map((t) => `${t} ${formatEndpoint(n.address(t))}`)
        .join(', ');
    return `${set(this.nodes[0]!)} (registrar-only: ${set(this.nodes[1]!)})`;
  }

  setFault(name: FaultName, on: boolean): void {
    if (!isFaultName(name)) throw new Error(`unknown fault "${name}"; valid faults: ${FAULT_NAMES.join(', ')}`);
    const transports = [...this.nodes.map((n) => n.transport), ...(this.b2bua ? [this.b2bua.transport] : [])];
    this.switchboard.set(name, on, { transports });
  }

  /** Current bindings (of one AOR, e.g. "sip:alice@127.0.0.1", or all). */
  bindings(aor?: string): Binding[] {
    if (aor === undefined) return this.store.all();
    const u = parseUri(aor, { strict: false });
    return this.store.lookup(u.kind === 'sip' ? u.aor() : aor);
  }

  /** Removes every binding (between checks that share one SUT). */
  clearBindings(): void {
    this.store.clear();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe?.();
      await Promise.all([...this.nodes.map((n) => n.close()), this.b2bua?.close()]);
    })();
    return this.closing;
  }
}

/** A self-signed certificate for 127.0.0.1, ::1 and localhost, valid one day (the SUT only listens on loopback). */
