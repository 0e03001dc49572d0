/**
 * When is a managed SUT ready: it answers OPTIONS (a proxy or registrar), its first REGISTER reached the harness
 * (a UA), or at once (`ready: none`) — always bounded by the start budget and by the process exiting first.
 */
import type { ProcessGroup } from '../process/process-group';
import { type Endpoint, formatEndpoint } from '../transport/types';
import { probeOptions } from './options-probe';
import { ProfileError, type SutProfile } from './profile';

/** The SUT could not be started: it exited, never became ready, or its binary is missing. */
export class SutStartError extends Error {
  constructor(
    message: string,
    /** The first lines of the SUT's own error output, when there is any. */
    readonly logExcerpt = '',
    readonly exitCode?: number | null,
  ) {
    super(logExcerpt ? `${message}\n${logExcerpt}` : message);
    this.name = 'SutStartError';
  }
}

/** The first lines of the SUT's output that look like errors, or its first lines when none do. */
export function errorExcerpt(log: string, max = 12): string {
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) =>
    /\b(error|critical|crit|fatal|alert|emerg|cannot|can't|could not|failed|no such|denied|invalid|bad)\b/i.test(l),
  );
  const pick = (errors.length > 0 ? errors : lines).slice(0, max);
  return pick.map((l) => `  | ${l.length > 300 ? l.slice(0, 300) + '…' : l}`).join('\n');
}

export interface ReadinessContext {
  profile: SutProfile;
  group: ProcessGroup;
  address?: Endpoint;
  registrar?: Endpoint;
  /** Where the harness listens for a UA SUT's REGISTER. */
  listenAt: Endpoint;
  /** performance.now() deadline of the start budget. */
  deadline: number;
  timeoutMs: number;
  readLog: () => Promise<string>;
  waitForRegister?: (ctx: { listen: Endpoint; signal: AbortSignal }) => Promise<unknown>;
}

/** Resolves when the SUT is ready; throws SutStartError (with the SUT's own error lines) or ProfileError. */
export async function awaitReady(ctx: ReadinessContext): Promise<void> {
  const abort = new AbortController();
  // Settles at most once and is marked handled, so losing the race (or the SUT exiting later, at stop) never
  // becomes an unhandled rejection.
  const exitedEarly = ctx.group.exited.then(async (exit): Promise<never> => {
    if (abort.signal.aborted) return new Promise<never>(() => undefined);
    await delay(50); // let the last output reach the log
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const excerpt = errorExcerpt(await ctx.readLog());
    throw new SutStartError(`${ctx.profile.name} ${how} before it was ready`, excerpt, exit.code);
  });
  exitedEarly.catch(() => undefined);
  try {
    await Promise.race([readinessProbe(ctx, abort.signal), exitedEarly]);
  } catch (e) {
    if (e instanceof SutStartError && !ctx.group.exit && !e.logExcerpt) {
      // Not ready in time: add what the SUT said about it.
      throw new SutStartError(e.message.split('\n')[0]!, errorExcerpt(await ctx.readLog()));
    }
    throw e;
  } finally {
    abort.abort();
  }
}

function readinessProbe(ctx: ReadinessContext, signal: AbortSignal): Promise<unknown> {
  const { profile } = ctx;
  if (profile.ready === 'options') {
    const targets = [ctx.address, ctx.registrar].filter((e): e is Endpoint => e !== undefined);
    if (targets.length === 0)
      throw new ProfileError([
        { file: profile.file, message: 'ready: options needs address: (or registrar:) to probe' },
      ]);
    const transport = profile.transports.includes('udp') ? 'udp' : 'tcp';
    return waitForOptions(targets, transport, ctx.deadline, profile.timers.t1, signal, profile.name);
  }
  if (profile.ready === 'register') {
    if (!ctx.waitForRegister) throw new Error('unreachable: checked before start');
    const timeout = new Promise<never>((_, reject) => {
      const why = `${profile.name} did not REGISTER to ${formatEndpoint(ctx.listenAt)} within ${ctx.timeoutMs} ms`;
      const t = setTimeout(() => reject(new SutStartError(why)), Math.max(0, ctx.deadline - performance.now()));
      signal.addEventListener('abort', () => clearTimeout(t));
    });
    timeout.catch(() => undefined);
    return Promise.race([ctx.waitForRegister({ listen: ctx.listenAt, signal }), timeout]);
  }
  return delay(0);
}

async function waitForOptions(
  targets: Endpoint[],
  transport: 'udp' | 'tcp',
  deadline: number,
  t1: number,
  signal: AbortSignal,
  name: string,
): Promise<void> {
  for (const target of targets) {
    let last = '';
    for (;;) {
      if (signal.aborted) return;
      const left = deadline - performance.now();
      if (left <= 0)
        throw new SutStartError(
          `${name} never answered OPTIONS: ${last || `no answer from ${formatEndpoint(target)}`}`,
        );
      const r = await probeOptions(target, transport, Math.min(left, Math.max(1000, 4 * t1)), {
        t1: Math.min(t1, 250),
      });
      if (r.ok) break;
      last = r.reason;
      await delay(Math.min(100, Math.max(0, deadline - performance.now())));
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
