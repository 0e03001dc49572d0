/**
 * The one mapping from what a check threw to its failure class (src/report/failures.ts). Only an unmet
 * expectation about what the SUT sent or failed to send — a NonConformance (ctx.fail, ctx.assert,
 * ctx.expectFromSut) or an ExpectationError left uncaught — is `SUT non-conformance:`; the check's own deadline is
 * `timeout:`; a transport error with nothing to talk to is `SUT unreachable:`; a profile that does not work with the
 * SUT is `setup —`; anything else is the harness's fault: `harness error:`, reported broken with its stack.
 */
import { ExpectationError } from '../agent/expectation';
import { CheckFailure, FailureKind } from '../report/failures';
import { TransportError } from '../transport/types';
import { NonConformance, SetupError } from './check';

export function failureKindOf(e: unknown): FailureKind {
  if (e instanceof CheckFailure) return e.kind;
  if (e instanceof SetupError) return 'setup';
  if (e instanceof NonConformance || e instanceof ExpectationError) return 'nonconformance';
  if (e instanceof TransportError) return 'unreachable';
  return 'harness';
}

/** The classified failure to report; a harness error keeps the original stack so the report shows where it broke. */
export function failureOf(e: unknown): CheckFailure {
  if (e instanceof CheckFailure) return e;
  const kind = failureKindOf(e);
  const message = e instanceof Error ? e.message : String(e);
  const f = new CheckFailure(kind, kind === 'harness' && e instanceof Error ? `${e.name}: ${message}` : message);
  if (kind === 'harness' && e instanceof Error && e.stack)
    f.stack = `${f.name}: ${f.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
  else f.stack = `${f.name}: ${f.message}`;
  return f;
}
