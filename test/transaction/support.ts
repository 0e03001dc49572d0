/**
 * A fake host and flow for driving transactions under jest's fake timers: no sockets, no peers. The host records
 * what the transaction sends, with the (fake) clock time of each send.
 */
import { createRequest, createResponse, newBranch } from '../../src/sip/builders';
import { NameAddr, Via } from '../../src/sip/fields';
import { SipRequest, SipResponse } from '../../src/sip/message';
import { parseUri } from '../../src/sip/uri';
import { ClientTransaction, ClientTransactionHost } from '../../src/transaction/client-transaction';
import { ServerTransaction, ServerTransactionHost } from '../../src/transaction/server-transaction';
import { TimerConfig } from '../../src/transaction/timers';
import { Received } from '../../src/transaction/transaction';
import type { Flow } from '../../src/transport/types';

/** RFC 3261 defaults (§17.1.1.1, Table 4): T1 500 ms, T2 4 s, T4 5 s. */
export const TIMERS: TimerConfig = { t1: 500, t2: 4000, t4: 5000 };

export type Reliability = 'reliable' | 'unreliable';
export const TRANSPORTS: Reliability[] = ['unreliable', 'reliable'];

export function fakeFlow(reliability: Reliability): Flow {
  const reliable = reliability === 'reliable';
  return {
    id: reliable ? 'tcp-1' : 'udp-1',
    transport: reliable ? 'tcp' : 'udp',
    reliable,
    closed: false,
    local: { address: '127.0.0.1', port: 5060 },
    remote: { address: '127.0.0.1', port: 5070 },
  } as unknown as Flow;
}

export function request(method: string): SipRequest {
  const via = new Via('UDP', '127.0.0.1', 5060);
  via.params.set('branch', newBranch());
  const to = new NameAddr(parseUri('sip:bob@127.0.0.1'));
  const from = new NameAddr(parseUri('sip:alice@127.0.0.1'));
  from.params.set('tag', 'a1');
  return createRequest({ method, uri: 'sip:bob@127.0.0.1:5070', via, from, to });
}

export function response(req: SipRequest, status: number): SipResponse {
  return createResponse(req, status, { toTag: 'b1' });
}

export function received<M extends SipRequest | SipResponse>(message: M, flow: Flow): Received<M> {
  return { message, flow, at: Date.now(), violations: [] };
}

/** What a transaction sent: the start line of each message and the fake-clock time it went out, from t0. */
export class Wire {
  readonly sent: Array<{ line: string; at: number }> = [];
  forgotten = 0;
  private readonly t0 = Date.now();

  record(data: Buffer): Promise<void> {
    this.sent.push({ line: data.toString('latin1').split('\r\n')[0]!, at: Date.now() - this.t0 });
    return Promise.resolve();
  }

  /** Send times of the messages whose start line begins with `prefix`. */
  times(prefix: string): number[] {
    return this.sent.filter((s) => s.line.startsWith(prefix)).map((s) => s.at);
  }

  clientHost(): ClientTransactionHost {
    return { sendOn: (_flow, data) => this.record(data), forget: () => void this.forgotten++ };
  }

  serverHost(): ServerTransactionHost {
    return { sendResponse: (_tx, data) => this.record(data), forget: () => void this.forgotten++ };
  }
}

export function startClient(method: string, reliability: Reliability): { tx: ClientTransaction; wire: Wire } {
  const wire = new Wire();
  const tx = new ClientTransaction(request(method), fakeFlow(reliability), TIMERS, wire.clientHost());
  void tx.start();
  return { tx, wire };
}

export function startServer(method: string, reliability: Reliability): { tx: ServerTransaction; wire: Wire } {
  const wire = new Wire();
  const tx = new ServerTransaction(request(method), fakeFlow(reliability), [], Date.now(), TIMERS, wire.serverHost());
  return { tx, wire };
}

/** Intervals between consecutive times. */
export function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

/** Lets the transaction's pending promise continuations run (sends are async). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
