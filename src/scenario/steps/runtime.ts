/**
 * What a step sees while it runs: the check context, the scenario's agents, the values earlier steps saved, and
 * the one way to fail. A step fails the check as SUT non-conformance only through `fail` / `expecting` (an unmet
 * expectation about what the SUT sent); anything else it throws is a harness error, reported `broken`.
 */
import type { Dialog } from '../../agent/dialog';
import type { MockEdgeProxy } from '../../agent/edge-proxy';
import type { RecordedRegister } from '../../agent/registrar';
import type { UaUnderTest } from '../ua-sut';
import type { Registrant } from '../../agent/registrant';
import type { IncomingRequest, OutgoingCall, OutgoingRequest, SipAgent } from '../../agent/sip-agent';
import type { SipMessage, SipRequest, SipResponse } from '../../sip/message';
import type { Flow } from '../../transport/types';
import type { CheckContext } from '../context';
import type { Party } from '../flows';
import { SAVED_KIND_TEXT, SavedKind } from './schema-parts';

/** A response we received, with the request it answers and where it came from. */
export interface ReceivedResponse {
  res: SipResponse;
  req?: SipRequest;
  flow?: Flow;
  at?: number;
}

/** An incoming request, and (for an INVITE answered with a non-2xx) the hop-by-hop ACK its transaction absorbs. */
export interface ReceivedRequest {
  inc: IncomingRequest;
  /** Set by `respond` with a non-2xx final to an INVITE: resolves with the ACK (§17.2.1) or undefined at 64·T1. */
  nonTwoXxAck?: Promise<{ message: SipRequest; at: number; flow: Flow } | undefined>;
  /** The status of the final response we sent (for failure messages). */
  finalStatus?: number;
  /** A REGISTER the harness's registrar recorded (and answered): its arrivals, instance and reg-id. */
  recorded?: RecordedRegister;
  /** RSeq of the last reliable provisional response (RFC 3262 §3). */
  rseq?: number;
}

export type Saved =
  | { kind: 'call'; call: OutgoingCall; dialog?: Dialog }
  | { kind: 'outgoing'; out: OutgoingRequest; dialog?: Dialog; auth?: boolean }
  | ({ kind: 'incoming' } & ReceivedRequest)
  | ({ kind: 'response' } & ReceivedResponse);

export type SavedOf<K extends SavedKind> = Extract<Saved, { kind: K }>;

export interface ScenarioInfo {
  file: string;
  rfc: string[];
  /** Methods the scenario's agents send (so a request of another method reaching an agent came from the SUT). */
  sentByAgents: ReadonlySet<string>;
}

export class Runtime {
  readonly parties = new Map<string, Party>();
  readonly registrants = new Map<string, Registrant>();
  readonly edges = new Map<string, MockEdgeProxy>();
  /** ua-registrar agents: the harness's registrar where the user-agent SUT registers. */
  readonly uas = new Map<string, UaUnderTest>();
  private readonly saved = new Map<string, Saved>();
  /** The step being run (0-based) and its line, so run-time faults name the scenario's line. */
  step = 0;

  constructor(
    readonly ctx: CheckContext,
    readonly scenario: ScenarioInfo,
    private readonly lines: number[],
  ) {}

  agent(name: string): SipAgent {
    const p = this.parties.get(name);
    if (!p) throw this.authorError(`agent "${name}" does not exist`);
    return p.agent;
  }

  party(name: string): Party {
    const p = this.parties.get(name);
    if (!p) throw this.authorError(`agent "${name}" does not exist`);
    return p;
  }

  /** The registrant of an agent: the one that made it reachable, or one made on first use. */
  registrant(name: string): Registrant {
    let r = this.registrants.get(name) ?? this.parties.get(name)?.registrant;
    if (!r) {
      const agent = this.agent(name);
      r = this.ctx.registrant(agent, { transport: agent.defaultTransport });
      this.registrants.set(name, r);
    }
    return r;
  }

  /** A saved value of one of the kinds (the loader already checked the kind; this guards the run). */
  get<K extends SavedKind>(name: string, ...kinds: K[]): SavedOf<K> {
    const v = this.saved.get(name);
    if (!v) throw this.authorError(`"${name}" was not saved by an earlier step`);
    if (!kinds.includes(v.kind as K))
      throw this.authorError(
        `"${name}" is ${SAVED_KIND_TEXT[v.kind]}, not ${kinds.map((k) => SAVED_KIND_TEXT[k]).join(' or ')}`,
      );
    return v as SavedOf<K>;
  }

  save(name: string | undefined, v: Saved): void {
    if (name) this.saved.set(name, v);
  }

  /** The sections a step's failure cites: its own `rfc:`, else every section of the scenario, said as such. */
  rfc(stepRfc: string | undefined): string {
    return stepRfc ?? this.scenario.rfc.join(', ');
  }

  /** Fails the check: the SUT did not do what the RFC section requires. */
  fail(detail: string, stepRfc: string | undefined): never {
    this.ctx.fail(`${detail} (${this.rfc(stepRfc)})`);
  }

  /**
   * Waits for something the SUT must send. An unmet expectation (nothing, or something else, within the bound)
   * fails the check with `why(detail)`; any other error propagates unchanged, so a harness fault stays `broken`.
   */
  async expecting<T>(p: Promise<T>, why: (detail: string) => string, stepRfc: string | undefined): Promise<T> {
    return this.ctx.expectFromSut(p, (d) => `${why(d)} (${this.rfc(stepRfc)})`);
  }

  /** A fault in the scenario itself, found while running: names file:line, reported as a harness error. */
  authorError(detail: string): Error {
    const line = this.lines[this.step];
    return new Error(`${this.scenario.file}${line ? `:${line}` : ''}: step ${this.step + 1}: ${detail}`);
  }

  ms(d: number | string): number {
    return this.ctx.ms(d);
  }
}

/** The message a saved value stands for, with the flow it came on (received messages only). */
export function messageOf(s: Saved): { msg: SipMessage; flow?: Flow; at?: number } {
  switch (s.kind) {
    case 'response':
      return { msg: s.res, flow: s.flow, at: s.at };
    case 'incoming':
      return { msg: s.inc.request, flow: s.inc.flow, at: s.inc.at };
    case 'call':
      return { msg: s.call.request, flow: s.call.tx.flow };
    case 'outgoing':
      return { msg: s.out.request, flow: s.out.tx.flow };
  }
}

/** The dialog a saved value belongs to, if any (a call, an answered request, a request sent in a dialog). */
export function dialogOf(s: Saved): Dialog | undefined {
  switch (s.kind) {
    case 'call':
      return s.call.dialog ?? s.dialog;
    case 'outgoing':
      return s.dialog;
    case 'incoming':
      return s.inc.dialog;
    case 'response':
      return undefined;
  }
}
