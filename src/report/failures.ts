/**
 * The failure vocabulary of the harness. Every check that does not pass says why with a message that starts with
 * one of these prefixes, so Allure categories, the summary JSON and CI logs sort failures the same way:
 *   "SUT non-conformance: …"  the SUT broke an RFC rule (status failed)
 *   "timeout: …"              the SUT did not answer within the bound the RFC allows (status failed)
 *   "SUT unreachable: …"      nothing answered at all: wrong address, SUT down (status broken)
 *   "harness error: …"        a fault of the harness or its set-up, not of the SUT (status broken)
 *   "setup — …"               the profile's accounts or trunk do not work with the SUT (e.g. it rejects an account's
 *                             own credentials): the check could not start, the SUT is not blamed (status broken)
 * allure-jest marks errors whose name contains "Assert" as failed and other errors as broken; the error classes
 * below carry names that give the intended status.
 */

export type FailureKind = 'nonconformance' | 'timeout' | 'unreachable' | 'harness' | 'setup';

export const FAILURE_PREFIX: Readonly<Record<FailureKind, string>> = {
  nonconformance: 'SUT non-conformance:',
  timeout: 'timeout:',
  unreachable: 'SUT unreachable:',
  harness: 'harness error:',
  setup: 'setup —',
};

/** The status each kind is reported with in Allure and in the summary JSON. */
export const FAILURE_STATUS: Readonly<Record<FailureKind, 'failed' | 'broken'>> = {
  nonconformance: 'failed',
  timeout: 'failed',
  unreachable: 'broken',
  harness: 'broken',
  setup: 'broken',
};

/** "SUT non-conformance: ACK not received within 64*T1 (RFC 3261 §17.2.1)". A detail that already has the prefix is kept. */
export function formatFailure(kind: FailureKind, detail: string): string {
  const prefix = FAILURE_PREFIX[kind];
  const d = detail.trim();
  return d.startsWith(prefix) ? d : `${prefix} ${d}`;
}

export const nonConformance = (detail: string) => formatFailure('nonconformance', detail);
export const timeoutFailure = (detail: string) => formatFailure('timeout', detail);
export const unreachable = (detail: string) => formatFailure('unreachable', detail);
export const harnessError = (detail: string) => formatFailure('harness', detail);

/** An error a check throws to fail with a classified message (see the file comment for the statuses). */
export class CheckFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    detail: string,
  ) {
    super(formatFailure(kind, detail));
    // "…AssertionError" → allure-jest reports failed; plain names → broken.
    this.name =
      FAILURE_STATUS[kind] === 'failed'
        ? 'SutAssertionError'
        : kind === 'unreachable'
          ? 'SutUnreachableError'
          : kind === 'setup'
            ? 'SetupError'
            : 'HarnessError';
  }
}

export function failure(kind: FailureKind, detail: string): CheckFailure {
  return new CheckFailure(kind, detail);
}

// Allure 2 (Java) full-matches messageRegex, Allure 3 searches it: an anchored pattern ending in [\s\S]* works in both.
// The optional "XxxError: " allows messages that carry the error name in front.
const anchored = (prefix: string) => `^(?:[A-Za-z]*Error: )?${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*`;

/** The kind named by a message's prefix, or undefined for an unclassified message. */
export function classifyFailure(message: string | undefined): FailureKind | undefined {
  if (!message) return undefined;
  for (const kind of Object.keys(FAILURE_PREFIX) as FailureKind[]) {
    if (new RegExp(anchored(FAILURE_PREFIX[kind])).test(message)) return kind;
  }
  // jest's own test timeout is a timeout too
  if (/^thrown: "Exceeded timeout of \d+ ms/.test(message) || /^Exceeded timeout of \d+ ms/.test(message))
    return 'timeout';
  return undefined;
}

export interface AllureCategory {
  name: string;
  matchedStatuses: Array<'failed' | 'broken' | 'passed' | 'skipped' | 'unknown'>;
  messageRegex?: string;
  /** Shown in our docs and the categories file; Allure ignores unknown keys. */
  description?: string;
}

/** Categories in the order Allure matches them (first match wins). */
export const FAILURE_CATEGORIES: readonly AllureCategory[] = [
  {
    name: 'SUT non-conformance',
    matchedStatuses: ['failed', 'broken'],
    messageRegex: anchored(FAILURE_PREFIX.nonconformance),
    description: 'The SUT broke an RFC rule the check asserts.',
  },
  {
    name: 'Timeout',
    matchedStatuses: ['failed', 'broken'],
    messageRegex: `(?:${anchored(FAILURE_PREFIX.timeout)})|(?:^(?:thrown: ")?Exceeded timeout of \\d+ ms[\\s\\S]*)`,
    description: 'The SUT did not answer within the time the RFC allows (or the check exceeded its time).',
  },
  {
    name: 'SUT unreachable',
    matchedStatuses: ['failed', 'broken'],
    messageRegex: anchored(FAILURE_PREFIX.unreachable),
    description: 'Nothing answered at the target address.',
  },
  {
    name: 'Harness error',
    matchedStatuses: ['failed', 'broken'],
    messageRegex: anchored(FAILURE_PREFIX.harness),
    description: 'A fault of the harness or its set-up, not of the SUT.',
  },
  {
    name: 'Setup (profile accounts)',
    matchedStatuses: ['failed', 'broken'],
    messageRegex: anchored(FAILURE_PREFIX.setup),
    description: "The profile's accounts or trunk do not work with the SUT: the check could not start.",
  },
  {
    name: 'Unclassified failure',
    matchedStatuses: ['failed'],
    description: 'A check failed with a message that names no failure kind.',
  },
  { name: 'Unclassified harness error', matchedStatuses: ['broken'], description: 'An uncaught error in a check.' },
];
