/**
 * Plays robustness cases against the SUT: each case's exact bytes go out on their own (a fresh connection on TCP),
 * then a liveness probe (OPTIONS, RFC 3261 §11) must be answered within a bound. A case after which the SUT no longer
 * answers fails the check with the case's bytes attached (replay them with `sipconf replay FILE --target ...`).
 */
import { newBranch, newCallId } from '../../sip/builders';
import type { SipResponse } from '../../sip/message';
import { parse } from '../../sip/parser';
import { Inbox } from '../../agent/expectation';
import type { Garbage } from '../../transaction/transaction-layer';
import type { SipAgent } from '../../agent/sip-agent';
import type { Received, Target } from '../../transaction/transaction';
import type { TraceEntry } from '../../transport/trace';
import type { Endpoint, Flow } from '../../transport/types';
import { formatEndpoint } from '../../transport/types';
import { PCAP_ATTACHMENT, writePcap } from '../../report/pcap';
import type { CheckContext } from '../context';
import type { BaseFactory, RobustnessCase } from './mutations';
import { BaseParams, baseRequest } from './raw-message';
import { RejectCase, describeAllowed, statusAllowed } from './torture';

export type StreamOrDatagram = 'udp' | 'tcp';

export type LivenessResult = { ok: true; status: number; ms: number } | { ok: false; reason: string; ms: number };

function hostPort(e: Endpoint): string {
  return `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}`;
}

/** The Request-URI that names the SUT itself: `sip:HOST:PORT` (an OPTIONS to it is answered by the SUT, §11). */
export function sutUri(ctx: CheckContext, transport: StreamOrDatagram): string {
  const a = ctx.sutTarget(transport);
  const remote = 'remote' in a ? a.remote : a.flow.remote;
  return `sip:${hostPort(remote)}${transport === 'tcp' ? ';transport=tcp' : ''}`;
}

/** How long the SUT has to answer a probe: 16·T1, at least 2 s (a live SUT answers in milliseconds). */
export function livenessBound(ctx: CheckContext): number {
  return Math.max(2000, 16 * ctx.timers.t1);
}

/** Base requests from `agent` to the SUT: our sent-by in the top Via, fresh branch and Call-ID each time. */
export function baseFactory(ctx: CheckContext, agent: SipAgent, transport: StreamOrDatagram): BaseFactory {
  const local = agent.address(transport);
  const sentBy = hostPort(local);
  const domain = ctx.sut.domain;
  const target = ctx.freshUser('nobody');
  return (method: BaseParams['method']) => {
    const branch = newBranch();
    const requestUri =
      method === 'REGISTER'
        ? `sip:${domain}`
        : method === 'OPTIONS'
          ? sutUri(ctx, transport)
          : `sip:${target}@${domain}`;
    const aor = `sip:${agent.user}@${domain}`;
    const base = baseRequest({
      method,
      requestUri,
      viaTransport: transport.toUpperCase(),
      sentBy,
      branch,
      callId: newCallId(local.address.replace(/[[\]]/g, '')),
      fromUri: aor,
      toUri:
        method === 'REGISTER'
          ? aor
          : method === 'OPTIONS'
            ? requestUri.replace(/;transport=tcp$/, '')
            : `sip:${target}@${domain}`,
      contact: `sip:${agent.user}@${sentBy}${transport === 'tcp' ? ';transport=tcp' : ''}`,
    });
    return { base, branch };
  };
}

/** One OPTIONS to the SUT, answered (any final status) within `withinMs`? */
export async function probeLiveness(
  prober: SipAgent,
  target: Target,
  uri: string,
  withinMs: number,
): Promise<LivenessResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const req = prober.createRequest('OPTIONS', uri.replace(/;transport=tcp$/, ''), { requestUri: uri });
    const out = await prober.send(req, target);
    const res = await out.final({ within: withinMs });
    return { ok: true, status: res.message.status, ms: ms() };
  } catch (e) {
    return { ok: false, reason: (e as Error).message, ms: ms() };
  }
}

/** A file name for a case's bytes, for the report and `sipconf replay`. */
export function caseFileName(checkId: string, index: number, c: RobustnessCase): string {
  return `${checkId}-case-${String(index + 1).padStart(3, '0')}-${c.name.replace(/[^A-Za-z0-9]+/g, '_')}.sip`;
}

/** Attaches a case's exact bytes and says how to replay them. */
export function attachCase(ctx: CheckContext, index: number, c: RobustnessCase, transport: StreamOrDatagram): string {
  const file = caseFileName(ctx.check.id, index, c);
  ctx.reporter.attach(file, c.bytes, 'application/octet-stream');
  const remote = ctx.sutTarget(transport);
  const where = 'remote' in remote ? formatEndpoint(remote.remote) : formatEndpoint(remote.flow.remote);
  ctx.note(`replay: sipconf replay ${file} --target ${where} --transport ${transport}`);
  return file;
}

export interface LivenessRunOptions {
  transport: StreamOrDatagram;
  attacker: SipAgent;
  prober: SipAgent;
  /** How long a TCP case's connection stays open after its bytes (default 0: until the probe is answered). */
  holdMs?: number;
}

/**
 * Sends each case, then probes. Stops at the first case after which the SUT does not answer, attaches its bytes
 * and fails the check (RFC 3261 §16.3 step 1 / §8.2: a malformed request is rejected or dropped, never fatal).
 */
export async function runLivenessCases(
  ctx: CheckContext,
  cases: RobustnessCase[],
  opts: LivenessRunOptions,
): Promise<void> {
  const target = ctx.sutTarget(opts.transport);
  const uri = sutUri(ctx, opts.transport);
  const bound = livenessBound(ctx);
  const before = await probeLiveness(opts.prober, target, uri, bound);
  if (!before.ok) ctx.fail(`the SUT did not answer the liveness OPTIONS before any case was sent: ${before.reason}`);
  const answers = new Map<string, number>();
  let sendErrors = 0;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    const caseStart = opts.attacker.trace.entries.length;
    let flow: Flow | undefined;
    try {
      flow =
        opts.transport === 'tcp'
          ? await opts.attacker.transport.flowTo((target as { remote: Endpoint }).remote, 'tcp', { forceNew: true })
          : undefined;
      await opts.attacker.sendRaw(c.bytes, flow ? { flow } : target);
    } catch {
      // A SUT may close (or reset) a connection on a framing error mid-send (RFC 3261 §18.3): not a failure.
      sendErrors++;
    }
    if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs));
    const probe = await probeLiveness(opts.prober, target, uri, bound);
    if (flow && !flow.closed) await flow.close().catch(() => undefined);
    if (!probe.ok) {
      const file = attachCase(ctx, i, c, opts.transport);
      attachCasePcap(ctx, file, opts.attacker.trace.entries.slice(caseStart));
      attachTraceTail(ctx, opts.attacker.trace.entries.slice(-12));
      ctx.fail(
        `the SUT stopped answering after case ${i + 1}/${cases.length} "${c.name}" (${c.description}): the liveness OPTIONS ` +
          `got no final response within ${bound} ms (${probe.reason}). The exact bytes are attached as ${file} ` +
          `(RFC 3261 §16.3 step 1, §8.2, RFC 4475 §3: a malformed request is answered with 400 or dropped, never fatal)`,
      );
    }
    if (probe.ms > bound / 2) ctx.note(`slow liveness answer after case ${i + 1} "${c.name}": ${probe.ms} ms`);
  }
  for (const r of opts.attacker.strayResponses.all()) {
    const k = String(r.message.status);
    answers.set(k, (answers.get(k) ?? 0) + 1);
  }
  ctx.note(
    `${cases.length} cases over ${opts.transport.toUpperCase()}, a liveness OPTIONS answered after each; SUT answers to the cases by status: ${[...answers].map(([k, v]) => `${k}×${v}`).join(', ') || 'none'}${sendErrors ? `; ${sendErrors} sends cut short by the SUT closing the connection` : ''}`,
  );
}

export interface RejectVerdict {
  c: RejectCase;
  index: number;
  status?: number;
  ok: boolean;
  detail: string;
}

/**
 * Sends every reject case (each with its own branch), collects the SUT's final answer per branch within
 * `windowMs`, and judges it against the statuses the RFC allows (silence only where allowed).
 */
export async function runRejectCases(
  ctx: CheckContext,
  cases: RejectCase[],
  opts: { transport: StreamOrDatagram; attacker: SipAgent; windowMs: number },
): Promise<RejectVerdict[]> {
  const target = ctx.sutTarget(opts.transport);
  const waits: Array<Promise<RejectVerdict>> = [];
  const flows: Flow[] = [];
  // Answers, usable or not: a 400 to a request without CSeq or Call-ID cannot carry them (§8.2.6.2), so our
  // transaction layer sees it as garbage; it still names our branch in its Via.
  const answers = new Inbox<SipResponse>((r) => `${r.status} ${r.reason}`);
  const stray = (r: Received<SipResponse>) => answers.push(r.message);
  const garbage = (g: Garbage) => {
    const m = parse(g.data, { mode: 'lenient' }).message;
    if (m && !m.isRequest) answers.push(m as SipResponse);
  };
  opts.attacker.tx.on('response', stray);
  opts.attacker.tx.on('garbage', garbage);
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    const answer = answers
      .expect((r) => r.status >= 200 && branchOf(r) === c.branch, opts.windowMs, `answer to ${c.name}`)
      .then(
        (r) => r,
        () => undefined,
      );
    try {
      const flow =
        opts.transport === 'tcp'
          ? await opts.attacker.transport.flowTo((target as { remote: Endpoint }).remote, 'tcp', { forceNew: true })
          : undefined;
      if (flow) flows.push(flow);
      await opts.attacker.sendRaw(c.bytes, flow ? { flow } : target);
    } catch (e) {
      ctx.note(`case ${c.name}: send failed: ${(e as Error).message}`);
    }
    waits.push(
      answer.then((res): RejectVerdict => {
        if (!res)
          return {
            c,
            index: i,
            ok: c.silenceOk,
            detail: c.silenceOk ? 'no answer (allowed)' : `no answer within ${opts.windowMs} ms`,
          };
        const ok = statusAllowed(c, res.status);
        return { c, index: i, status: res.status, ok, detail: `${res.status} ${res.reason}` };
      }),
    );
  }
  const verdicts = await Promise.all(waits);
  opts.attacker.tx.off('response', stray);
  opts.attacker.tx.off('garbage', garbage);
  for (const f of flows) if (!f.closed) await f.close().catch(() => undefined);
  return verdicts;
}

/**
 * The failing case on the wire with its liveness probe (and whatever the SUT still sent), as a pcap Wireshark
 * decodes. The attacker and the prober share one private trace, so the entries from the case on are exactly those.
 */
function attachCasePcap(ctx: CheckContext, caseFile: string, entries: readonly TraceEntry[]): void {
  if (entries.length === 0) return;
  const name = `${caseFile.replace(/\.sip$/, '')} with its liveness probe.pcap`;
  ctx.reporter.attach(name, writePcap(entries), PCAP_ATTACHMENT.contentType);
}

/** The last messages on the wire before a failure, as text (the full attack is kept out of the ladder). */
function attachTraceTail(ctx: CheckContext, entries: readonly TraceEntry[]): void {
  const text = entries
    .map(
      (e) =>
        `--- ${new Date(e.wall).toISOString()} ${e.agent ?? '?'} ${e.direction === 'out' ? '→' : '←'} ${formatEndpoint(e.remote)} ${e.transport} ${e.kind}${e.note ? ` (${e.note})` : ''} ${e.data.length} bytes\n${e.data.toString('latin1').slice(0, 2000)}`,
    )
    .join('\n');
  ctx.reporter.attach('last messages before the failure', text, 'text/plain');
}

function branchOf(res: SipResponse): string | undefined {
  try {
    return res.topVia.branch;
  } catch {
    return undefined;
  }
}

export { describeAllowed };
