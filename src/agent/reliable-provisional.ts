/**
 * Reliable provisional responses (RFC 3262). The UAS side sends a 1xx with `Require: 100rel` and an RSeq, and
 * retransmits it — T1, doubling, for 64·T1 (§3) — until a PRACK with the matching RAck arrives, which it answers
 * 200. The UAC side answers such a 1xx with a PRACK inside the early dialog (§4): CSeq one higher than the
 * dialog's last, `RAck: <RSeq> <CSeq number> INVITE`.
 */
import { timer } from '../transaction/timers';
import { Dialog } from './dialog';
import type { IncomingRequest, RespondOptions } from './incoming-request';
import type { OutgoingCall } from './outgoing-call';
import type { OutgoingRequest } from './outgoing-request';
import type { SipResponse } from '../sip/message';

export interface ReliableProvisional {
  readonly response: SipResponse;
  readonly rseq: number;
  /** Times (performance.now()) the 1xx was sent, the first included. */
  readonly sends: number[];
  /** Waits for the PRACK of this 1xx (§3: RAck matches), answers it 200 and stops the retransmissions. */
  awaitPrack(withinMs: number): Promise<IncomingRequest>;
  stop(): void;
}

/** Whether the INVITE lets the UAS send reliable provisionals (Supported or Require: 100rel, §3). */
export function offers100rel(inv: IncomingRequest): boolean {
  const r = inv.request;
  return r.optionTags('supported').includes('100rel') || r.optionTags('require').includes('100rel');
}

/** Sends `status` (101–199) reliably to the INVITE `inv` (RFC 3262 §3); the RSeq starts at a random value. */
export async function sendReliableProvisional(
  inv: IncomingRequest,
  status: number,
  opts: RespondOptions & { rseq?: number } = {},
): Promise<ReliableProvisional> {
  if (!inv.tx) throw new Error('no INVITE transaction to respond in');
  const rseq = opts.rseq ?? 1 + Math.floor(Math.random() * 2 ** 30);
  const res = inv.createResponse(status, {
    ...opts,
    contact: opts.contact ?? true,
    headers: [...(opts.headers ?? []), ['Require', '100rel'], ['RSeq', rseq]],
  });
  const tx = inv.tx;
  const sends: number[] = [];
  let count = 0;
  let stopped = false;
  let handle: NodeJS.Timeout | undefined;
  const started = performance.now();
  const send = async () => {
    sends.push(performance.now());
    await tx.respond(res).catch(() => undefined);
  };
  const arm = () => {
    // §3: T1, doubling (not capped at T2), for 64·T1 in all.
    const wait = timer.retransmit(inv.agent.timers, count, false);
    if (performance.now() - started + wait > 64 * inv.agent.timers.t1) return;
    handle = setTimeout(() => {
      if (stopped || tx.state !== 'proceeding') return;
      count++;
      void send().then(arm);
    }, wait);
  };
  const stop = () => {
    stopped = true;
    clearTimeout(handle);
  };
  await send();
  arm();
  const rack = `${rseq} ${inv.request.cseq.seq} INVITE`;
  return {
    response: res,
    rseq,
    sends,
    stop,
    async awaitPrack(withinMs: number) {
      try {
        const prack = await inv.agent.expect('PRACK', {
          within: withinMs,
          match: (r) => (r.get('rack') ?? '').trim().replace(/\s+/g, ' ') === rack,
        });
        stop();
        await prack.respond(200);
        return prack;
      } finally {
        stop();
      }
    },
  };
}

/** The PRACK for a reliable 1xx the call received (RFC 3262 §4), in the early dialog the 1xx created. */
export async function prack(call: OutgoingCall, provisional: SipResponse): Promise<OutgoingRequest> {
  const rseq = provisional.get('rseq');
  if (!rseq) throw new Error(`the ${provisional.status} has no RSeq: it is not a reliable provisional response`);
  const dialog = Dialog.asUac(call.request, provisional);
  dialog.localSeq = call.request.cseq.seq;
  const req = dialog.createRequest('PRACK', {
    headers: [['RAck', `${rseq.trim()} ${call.request.cseq.seq} INVITE`]],
  });
  return call.agent.send(req, dialog.nextHop());
}
