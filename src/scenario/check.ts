/**
 * What a conformance check is: metadata (the contract: id, suite, title, RFC sections, severity, the SUT role and
 * capabilities it needs) and a body that drives agents against the SUT. YAML scenarios and TypeScript checks
 * both become a CheckDefinition, so listings and reports treat them alike.
 */
import type { TimerConfig } from '../transaction/timers';
import type { Endpoint, TransportProtocol } from '../transport/types';
import type { CheckContext } from './context';

export type SutRole = 'proxy' | 'registrar' | 'b2bua' | 'ua';
export type Severity = 'blocker' | 'critical' | 'normal' | 'minor' | 'trivial';

export interface CheckMeta {
  /** Stable upper-case id, `SUITE-WHAT` (contract). */
  id: string;
  /** Lower-case suite name: invite, register, outbound, outbound-ua, robustness. */
  suite: string;
  title: string;
  /** RFC sections asserted, e.g. "RFC 3261 §13.2.2.4". */
  rfc: string[];
  /** ETSI TS 102 027-2 test purposes the check covers ("SIP_CC_PR_MP_RQ_V_002"), see src/scenario/etsi/. */
  etsi?: string[];
  severity: Severity;
  /** SUT roles the check applies to. */
  roles: SutRole[];
  /** Capabilities the SUT must claim (outbound, path, auth, min-expires...). */
  requires: string[];
  /**
   * The parties the check plays (alice, bob, carol …): against a SUT with an accounts pool each gets an account
   * of its own for the check's duration; a YAML scenario's are its `agents:` (those with `same-user-as` share one).
   * Agents not listed here get fresh user names.
   */
  parties?: string[];
  /** Transports the check needs the SUT to offer (any one of them when `anyTransport`). */
  transports?: TransportProtocol[];
  description: string;
  /** Where it is defined (file path), for listings and error messages. */
  source: string;
}

export interface CheckDefinition extends CheckMeta {
  run(ctx: CheckContext): Promise<void>;
}

export type { SutAccount } from '../agent/account';
import type { SutAccount } from '../agent/account';

/** The SUT as the checks see it (built by the runner from a profile, --target, or the embedded reference SUT). */
export interface SutInfo {
  name: string;
  role: SutRole;
  /** Where agents send requests (the proxy, or the edge proxy). */
  address?: Endpoint;
  /** The registrar / authoritative proxy, for checks in which the harness plays the edge proxy in front of it. */
  registrar?: Endpoint;
  /** Role ua: where the harness's registrar/edge listens for the SUT (port 0 = any). */
  listen?: Endpoint;
  domain: string;
  transports: TransportProtocol[];
  capabilities: string[];
  users?: Array<{ user: string; password?: string; authUser?: string }>;
  /** A PBX's accounts: each check's parties draw from this pool (one check at a time per account). */
  accounts?: SutAccount[];
  /** The next hop the SUT sends outgoing calls to (a trunk): the harness's callee listens there, one check at a time. */
  trunk?: Endpoint;
  timers: TimerConfig;
  /**
   * The SUT's configured client transaction timeouts in ms when they are not 64·T1 (Timer B for INVITE, Timer F for
   * non-INVITE, RFC 3261 §17.1.1.2, §17.1.2.2; e.g. Kamailio's tm fr_timer).
   */
  timeouts?: { timerB?: number; timerF?: number };
  minExpires?: number;
  allFlowsFailedStatus?: 430 | 480;
  /** TLS client settings for agents talking to the SUT: its CA (PEM), or rejectUnauthorized: false to accept any. */
  tls?: { ca?: string; rejectUnauthorized?: boolean };
  /** Role ua: a command that makes the SUT place a call to a URI ({uri} placeholder). */
  dial?: string;
}

/** A check's verdict that the SUT deviates from the RFC. The message names the section and what happened. */
export class NonConformance extends Error {
  /** Marks the error as an assertion failure for Allure ("failed", not "broken"). */
  readonly expected = 'RFC-conformant behaviour';
  constructor(message: string) {
    super(message);
    this.name = 'NonConformance';
  }
}

/**
 * The check could not start because the profile's accounts (or trunk) do not work with the SUT — e.g. a 401/403 to
 * an account's own REGISTER. Reported `broken` as a setup problem, never as the SUT's non-conformance.
 */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

export function defineCheck(
  def: Omit<CheckDefinition, 'source' | 'requires' | 'description'> &
    Partial<Pick<CheckDefinition, 'requires' | 'description'>>,
  source = '',
): CheckDefinition {
  return { requires: [], description: def.title, ...def, source };
}

/** Why a check does not apply to a SUT, or undefined when it does. */
export function notApplicable(check: CheckMeta, sut: SutInfo): string | undefined {
  if (!check.roles.includes(sut.role))
    return `applies to SUT roles ${check.roles.join('/')}, this SUT is a ${sut.role}`;
  const missing = check.requires.filter((c) => !sut.capabilities.includes(c));
  if (missing.length) return `the SUT profile does not claim ${missing.join(', ')}`;
  if (check.transports && !check.transports.some((t) => sut.transports.includes(t))) {
    return `needs transport ${check.transports.join(' or ')}, the SUT offers ${sut.transports.join(', ')}`;
  }
  return undefined;
}
