/**
 * SIPp's exit codes (sipp -h, "Exit codes") turned into verdicts a report can show:
 *   0 all calls succeeded · 1 at least one call failed · 97 exit on internal command · 99 normal exit without
 *   calls processed · -1 (255) fatal error · -2 (254) fatal error binding a socket.
 * A run we had to kill at the hard time bound, or one ended by a signal we did not send, is neither.
 */

export type SippVerdictStatus =
  | 'passed' // exit 0
  | 'failed' // exit 1: at least one call failed
  | 'aborted' // exit 97: stopped by an internal command
  | 'no-calls' // exit 99: nothing was processed
  | 'fatal' // exit 255 (-1), or SIPp could not load the scenario
  | 'bind-failed' // exit 254 (-2)
  | 'timeout' // killed by us at the hard time bound
  | 'stopped' // stopped on request (startSipp().stop()), with SIPp's own exit code 0
  | 'crashed'; // a signal nobody asked for, or an exit code SIPp does not document

export interface SippVerdict {
  status: SippVerdictStatus;
  /** True only when every call succeeded (or a background SIPp stopped on request after succeeding). */
  ok: boolean;
  message: string;
}

export interface ExitFacts {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** We killed it because the hard time bound passed. */
  timedOut?: boolean;
  /** The hard bound, for the message. */
  timeoutMs?: number;
  /** We asked it to stop (background run). */
  stopRequested?: boolean;
  /** Counts from the statistics file, when it exists, to make the message concrete. */
  calls?: { total: number; successful: number; failed: number };
  /** Fatal error lines SIPp printed (timestamps removed). */
  errors?: string[];
}

const FATAL_LOAD =
  /Unable to load or parse|Invalid XML|Unknown action|Unknown element|is referenced \d+ times|Unsupported keyword|Invalid argument/i;

function firstError(errors: string[] | undefined): string {
  return errors && errors.length ? `: ${errors[0]}` : '';
}

function callsText(c: ExitFacts['calls']): string {
  return c ? ` (${c.successful} of ${c.total} calls succeeded, ${c.failed} failed)` : '';
}

export function interpretSippExit(f: ExitFacts): SippVerdict {
  if (f.timedOut) {
    return {
      status: 'timeout',
      ok: false,
      message: `SIPp did not finish within the hard bound of ${f.timeoutMs ?? '?'} ms and was killed${callsText(f.calls)}`,
    };
  }
  // stop(): SIGUSR1 makes SIPp dump its final statistics and exit 0; if it was still starting, the signal ends it.
  if (f.stopRequested && (f.signal || f.code === 0)) {
    return {
      status: 'stopped',
      ok: (f.calls?.failed ?? 0) === 0,
      message: `SIPp stopped on request${callsText(f.calls)}`,
    };
  }
  if (f.signal) {
    return { status: 'crashed', ok: false, message: `SIPp was ended by signal ${f.signal}${firstError(f.errors)}` };
  }
  // SIPp exits 1 (not -1) when it cannot load the scenario: tell that apart from a failed call by its message.
  const loadError = f.errors?.find((e) => FATAL_LOAD.test(e));
  switch (f.code) {
    case 0:
      return { status: 'passed', ok: true, message: `all calls succeeded${callsText(f.calls)}` };
    case 1:
      if (loadError && !(f.calls && f.calls.total > 0))
        return { status: 'fatal', ok: false, message: `SIPp could not run the scenario: ${loadError}` };
      return {
        status: 'failed',
        ok: false,
        message: `at least one call failed${callsText(f.calls)}${firstError(f.errors)}`,
      };
    case 97:
      return {
        status: 'aborted',
        ok: false,
        message: `SIPp exited on an internal command; calls may have been processed${callsText(f.calls)}`,
      };
    case 99:
      return {
        status: 'no-calls',
        ok: false,
        message: `SIPp exited normally without processing any call${firstError(f.errors)}`,
      };
    case 255:
    case -1:
      // -timeout with -timeout_error: "uac timed out after '2.000' seconds".
      if (f.errors?.some((e) => /timed out after/.test(e))) {
        return {
          status: 'timeout',
          ok: false,
          message: `SIPp's own global timeout (-timeout) passed${callsText(f.calls)}${firstError(f.errors)}`,
        };
      }
      return { status: 'fatal', ok: false, message: `SIPp fatal error (exit ${f.code})${firstError(f.errors)}` };
    case 254:
    case -2:
      return {
        status: 'bind-failed',
        ok: false,
        message: `SIPp could not bind its socket (exit ${f.code})${firstError(f.errors)}`,
      };
    default:
      return {
        status: 'crashed',
        ok: false,
        message: `SIPp exited with undocumented code ${String(f.code)}${firstError(f.errors)}`,
      };
  }
}

/** SIPp's fatal/warning lines look like "2026-11-24\t05:20:53.169181\t1795497653.169181: Unable to bind ...". */
const STAMPED = /^\d{4}-\d\d-\d\d\t[\d:.]+\t[\d.]+: (.*)$/;

/** The distinct messages SIPp printed with its timestamp prefix (stderr, error log), in order. */
export function extractSippErrors(text: string): string[] {
  const out: string[] = [];
  // Messages in the error log are not always newline-separated: split before each timestamp too.
  const parts = text.split(/\r?\n|(?=\d{4}-\d\d-\d\d\t[\d:.]+\t[\d.]+: )/);
  for (const line of parts) {
    const m = STAMPED.exec(line.trimEnd());
    if (m && m[1] && !out.includes(m[1].trim())) out.push(m[1].trim());
  }
  return out;
}
