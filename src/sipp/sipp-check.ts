/**
 * A SIPp run as part of a conformance check: SIPp is bounded by the check's timers, its files (statistics CSV,
 * errors, screen, message trace) and a statistics summary go into the report as attachments, the numbers go into
 * the check's notes, and a run that did not succeed fails the check with SIPp's verdict, its first error and the
 * RFC section of the flow SIPp played.
 *
 * Bounds: SIPp's own `-timeout` defaults to 64·T1 + 5 s (one full transaction timeout plus the calls themselves),
 * and the hard bound (kill) to 3 s past it — well under the runner's check timeout (at least 30 s and 6·64·T1).
 *
 * A missing `sipp` binary is an error of the set-up, never a skip: it throws SippNotFoundError, whose message names
 * the Debian package (sip-tester), and the runner reports the check as broken (exit 1).
 */
import { rmSync } from 'node:fs';
import type { CheckContext } from '../scenario/context';
import { formatEndpoint, type Endpoint, type TransportProtocol } from '../transport/types';
import { startChallengeRelay } from './challenge-relay';
import { startSipp, type SippHandle, type SippResult, type SippRunOptions } from './run-sipp';

export interface SippStepOptions extends SippRunOptions {
  /** Who SIPp plays in the check, e.g. "sipp-uac": names the step and the attachments. */
  label: string;
  /** The RFC sections of the flow the scenario plays, cited when the run fails. */
  rfc: string[];
  /** Calls that must succeed (default: `calls`, the -m value, when given). */
  expectSuccessful?: number;
  /** SIPp's -timeout in ms (default 64·T1 + 5 s). Rounded up to whole seconds. */
  timeoutMs?: number;
}

/** A SIPp started in the background (e.g. the UAS a call goes to), bound to the check. */
export interface SippStepHandle {
  readonly handle: SippHandle;
  /** Where SIPp listens (once ready). */
  readonly local: Endpoint;
  /** True once SIPp has exited (by itself or killed). */
  readonly ended: boolean;
  /**
   * Waits (bounded by the run's hard bound) for SIPp to end by itself, reports the run and fails the check if it
   * did not succeed.
   */
  finish(): Promise<SippResult>;
}

/** The -timeout of a SIPp step: 64·T1 + 5 s unless given, in whole seconds. */
export function sippTimeoutS(ctx: CheckContext, timeoutMs?: number): number {
  return Math.max(1, Math.ceil((timeoutMs ?? ctx.ms('64*T1') + 5000) / 1000));
}

function runOptions(ctx: CheckContext, opts: SippStepOptions): SippRunOptions {
  const { label: _label, rfc: _rfc, expectSuccessful: _e, timeoutMs, ...run } = opts;
  const timeoutS = run.sippTimeoutS ?? sippTimeoutS(ctx, timeoutMs);
  return {
    traceMessages: true,
    traceLogs: true,
    ...run,
    // Loopback of the SUT's address family, as the check's agents use (CheckContext.agent).
    localAddress: run.localAddress ?? (ctx.sut.address?.address.includes(':') ? '::1' : '127.0.0.1'),
    sippTimeoutS: timeoutS,
    hardTimeoutMs: run.hardTimeoutMs ?? timeoutS * 1000 + 3000,
  };
}

/** Passwords from the SUT profile never reach the report (SIPp's -ap is on its command line). */
function secretsOf(ctx: CheckContext): string[] {
  return (ctx.sut.users ?? []).map((u) => u.password).filter((p): p is string => !!p);
}

function mask(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('********');
  return out;
}

/** A short text of what SIPp counted: calls, failures by reason, retransmissions, response times. */
export function summarizeSippResult(label: string, r: SippResult): string {
  const lines = [
    `${label}: ${r.verdict.status} — ${r.verdict.message}`,
    `exit ${r.exitCode ?? r.signal ?? '?'} after ${r.durationMs} ms, SIPp at ${formatEndpoint(r.local)} (${r.transport})`,
  ];
  const s = r.stats;
  if (s) {
    lines.push(
      `calls: ${s.calls.created} created (${s.calls.outgoing} outgoing, ${s.calls.incoming} incoming), ${s.calls.successful} successful, ${s.calls.failed} failed`,
    );
    const reasons = Object.entries(s.failures);
    lines.push(`failures: ${reasons.length ? reasons.map(([k, v]) => `${k}=${v}`).join(', ') : 'none'}`);
    lines.push(`retransmissions: ${s.retransmissions}`);
    const means = Object.entries(s.responseTimeMeansMs);
    if (means.length) lines.push(`response time means: ${means.map(([k, v]) => `${k}=${v.toFixed(2)} ms`).join(', ')}`);
    lines.push(`call length mean: ${s.callLengthMeanMs.toFixed(2)} ms, call rate ${s.callRate.toFixed(2)}/s`);
  } else lines.push(`statistics: ${r.statsError ?? 'none'}`);
  if (r.responseTimes.length) {
    lines.push(
      `response times: ${r.responseTimes.length} samples, median ${r.responseTimeMedianMs?.toFixed(2) ?? '?'} ms, p95 ${r.responseTimeP95Ms?.toFixed(2) ?? '?'} ms`,
    );
  }
  if (r.errors.length) lines.push(`SIPp errors (${r.errors.length}): ${r.errors.slice(0, 5).join(' | ')}`);
  return lines.join('\n');
}

function contentTypeOf(name: string): string {
  return name.endsWith('.csv') ? 'text/csv' : 'text/plain';
}

/**
 * Attaches a SIPp run to the report — "<label> statistics" (summary), "<label> command", and each file SIPp wrote
 * as "<label> <file>" — and notes its numbers. The run directory is removed when the check ends (at once when
 * `removeNow`, for reports made while the check is already ending).
 */
export function reportSippResult(ctx: CheckContext, label: string, r: SippResult, removeNow = false): void {
  const secrets = secretsOf(ctx);
  const summary = mask(summarizeSippResult(label, r), secrets);
  ctx.reporter.attach(`${label} statistics`, summary, 'text/plain');
  ctx.reporter.attach(`${label} command`, mask(r.commandLine, secrets), 'text/plain');
  for (const log of r.logs) {
    if (!log.content && log.bytes === 0) continue;
    const note = log.truncated ? `\n[cut at ${log.content.length} of ${log.bytes} bytes]\n` : '';
    // SIPp names its response-time file after the scenario and its pid: give it a stable name.
    const name = log.name.replace(/^.*_\d+_rtt\.csv$/, 'response-times.csv');
    ctx.reporter.attach(`${label} ${name}`, mask(log.content, secrets) + note, contentTypeOf(log.name));
  }
  const s = r.stats;
  ctx.note(
    `${label}: ${r.verdict.status}` +
      (s
        ? `, calls ${s.calls.successful}/${s.calls.successful + s.calls.failed} successful, ${s.calls.failed} failed, ${s.retransmissions} retransmissions`
        : '') +
      (r.responseTimeMedianMs !== undefined ? `, response time median ${r.responseTimeMedianMs.toFixed(2)} ms` : '') +
      `, ${r.durationMs} ms`,
  );
  const remove = () => rmSync(r.runDir, { recursive: true, force: true });
  if (removeNow) remove();
  else ctx.onCleanup(remove);
}

/** Warnings SIPp prints in normal operation: never the reason a call failed. */
const BENIGN = [/using the out-of-call scenario/i, /^Resolving remote host/i];

/**
 * The line that best says why SIPp failed: a "FAIL:" line a scenario logged on purpose (actions.log), else the first
 * error that is not a routine warning, else the first error.
 */
export function sippFailureReason(r: SippResult): string | undefined {
  const actions = r.logs.find((l) => l.name === 'actions.log')?.content ?? '';
  const fail = actions.split(/\r?\n/).find((l) => /\bFAIL:/.test(l));
  if (fail) return fail.slice(fail.indexOf('FAIL:')).trim();
  return r.errors.find((e) => !BENIGN.some((b) => b.test(e))) ?? r.errors[0];
}

/** Fails the check unless SIPp succeeded with the expected number of successful calls. */
export function assertSippResult(
  ctx: CheckContext,
  label: string,
  r: SippResult,
  rfc: string[],
  expectSuccessful?: number,
): void {
  const cite = rfc.length ? ` (${rfc.join(', ')})` : '';
  if (!r.verdict.ok) {
    const reasons = Object.entries(r.stats?.failures ?? {});
    const failures = reasons.length
      ? `; SIPp failure counters: ${reasons.map(([k, v]) => `${k}=${v}`).join(', ')}`
      : '';
    const why = sippFailureReason(r);
    // The verdict message ends with SIPp's first error; replace it with the most telling one.
    const verdict =
      r.errors[0] && r.verdict.message.endsWith(`: ${r.errors[0]}`)
        ? r.verdict.message.slice(0, -(r.errors[0].length + 2))
        : r.verdict.message;
    ctx.fail(`${label}: SIPp ${r.verdict.status} — ${verdict}${why ? `: ${why}` : ''}${failures}${cite}`);
  }
  if (expectSuccessful !== undefined) {
    const got = r.stats?.calls.successful;
    if (got === undefined) ctx.fail(`${label}: SIPp wrote no statistics (${r.statsError ?? 'unknown reason'})${cite}`);
    if (got !== expectSuccessful) ctx.fail(`${label}: ${got} of ${expectSuccessful} calls succeeded${cite}`);
  }
}

/** Runs SIPp to its end as a reported step; fails the check if the run did not succeed. */
export async function runSippStep(ctx: CheckContext, opts: SippStepOptions): Promise<SippResult> {
  const run = runOptions(ctx, opts);
  const what = opts.scenarioFile ? opts.scenarioFile.replace(/^.*\//, '') : `-sn ${opts.builtin}`;
  return ctx.step(
    `${opts.label} runs SIPp ${what}${opts.target ? ` against ${typeof opts.target === 'string' ? opts.target : formatEndpoint(opts.target)}` : ''}`,
    async () => {
      const handle = startSipp(run);
      ctx.onCleanup(async () => {
        await handle.stop();
      });
      const r = await handle.result;
      reportSippResult(ctx, opts.label, r);
      assertSippResult(ctx, opts.label, r, opts.rfc, opts.expectSuccessful ?? opts.calls);
      return r;
    },
  );
}

/**
 * Starts SIPp in the background (a UAS, say) and waits until it has bound its port. It is stopped when the check
 * ends if it is still running; `finish()` waits for it to end by itself and checks its verdict.
 */
export async function startSippStep(ctx: CheckContext, opts: SippStepOptions): Promise<SippStepHandle> {
  const run = runOptions(ctx, opts);
  const what = opts.scenarioFile ? opts.scenarioFile.replace(/^.*\//, '') : `-sn ${opts.builtin}`;
  const handle = startSipp(run);
  let reported = false;
  let ended = false;
  void handle.result.then(() => {
    ended = true;
  });
  ctx.onCleanup(async () => {
    const r = await handle.stop();
    // The check is ending (it failed before finish()): still show what SIPp saw.
    if (!reported) reportSippResult(ctx, opts.label, r, true);
  });
  const local = await ctx.step(`${opts.label} starts SIPp ${what} and binds its port`, async () => {
    try {
      return await handle.ready;
    } catch (e) {
      const r = await handle.stop();
      reported = true;
      reportSippResult(ctx, opts.label, r);
      throw new Error(`${opts.label}: SIPp did not start: ${(e as Error).message}; ${r.verdict.message}`, {
        cause: e,
      });
    }
  });
  return {
    handle,
    local,
    get ended() {
      return ended;
    },
    finish: () =>
      ctx.step(`${opts.label} (SIPp) ends its calls`, async () => {
        const r = await handle.result;
        reported = true;
        reportSippResult(ctx, opts.label, r);
        assertSippResult(ctx, opts.label, r, opts.rfc, opts.expectSuccessful ?? opts.calls);
        return r;
      }),
  };
}

/** The user SIPp registers as, and the SIPp arguments for the SUT's Digest challenge (-au/-ap), if it has one. */
export interface SippAccount {
  user: string;
  /** -au USER -ap PASSWORD when the SUT profile has a password; else nothing. */
  authArgs: string[];
  hasCredentials: boolean;
}

/**
 * Always a fresh user (`ctx.freshUser(prefix)`): checks running in parallel never share an AOR. Credentials come
 * from the SUT profile as in `ctx.registrant`: a `*` account authenticates as the fresh user itself, a fixed account
 * with its own (auth) user name.
 */
export function sippAccount(ctx: CheckContext, prefix: string): SippAccount {
  const creds = ctx.sut.users?.[0];
  const user = ctx.freshUser(prefix);
  if (!creds?.password) return { user, authArgs: [], hasCredentials: false };
  const authUser = creds.user === '*' ? user : (creds.authUser ?? creds.user);
  return { user, authArgs: ['-au', authUser, '-ap', creds.password], hasCredentials: true };
}

/** How SIPp reaches the SUT: the SUT as its remote host, plus arguments for credentials and the challenge relay. */
export interface SippRoute {
  /** SIPp's remote host (the SUT): [remote_ip]:[remote_port] in the scenario name the SUT. */
  target: string;
  /** -au/-ap and, with credentials, -rsa RELAY: packets go through the challenge relay (challenge-relay.ts). */
  extraArgs: string[];
}

/**
 * The route for a SIPp that registers with `account`. With credentials SIPp sends through a challenge relay (SIPp
 * 3.6.1 answers only MD5 challenges and reads only the first of several, RFC 8760 §2.4); what the relay removed is
 * noted and attached when the check ends. The Request-URI and digest-uri still name the SUT (-rsa changes only
 * where packets go).
 */
export async function sippRoute(
  ctx: CheckContext,
  account: SippAccount,
  transport: TransportProtocol,
): Promise<SippRoute> {
  const sut = ctx.sut.address;
  if (!sut) throw new Error('the SUT profile has no address: a SIPp check needs one');
  if (!account.hasCredentials) return { target: formatEndpoint(sut), extraArgs: [] };
  // Over TLS the relay would have to terminate TLS: SIPp answers the challenge itself (MD5 first or not at all).
  if (transport === 'tls') return { target: formatEndpoint(sut), extraArgs: account.authArgs };
  const relay = await startChallengeRelay({ upstream: sut, transport });
  ctx.onCleanup(async () => {
    await relay.close();
    if (relay.log.length) {
      ctx.note(`challenge relay: ${relay.removed} challenge(s) SIPp 3.6.1 cannot answer removed (RFC 8760 §2.4)`);
      ctx.reporter.attach('challenge relay', relay.log.join('\n'), 'text/plain');
    }
  });
  return { target: formatEndpoint(sut), extraArgs: [...account.authArgs, '-rsa', formatEndpoint(relay.local)] };
}
