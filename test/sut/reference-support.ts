/** Shared set-up for the reference SUT's tests: one SUT and agents on loopback with a short T1. */
import { SipAgent } from '../../src/agent/sip-agent';
import { ReferenceSut, ReferenceSutOptions } from '../../src/sut/reference';
import { Trace } from '../../src/transport/trace';
import type { TransportProtocol } from '../../src/transport/types';

export const T1 = 50;

export interface World {
  trace: Trace;
  sut: ReferenceSut;
  agents: SipAgent[];
  agent(name: string, listen?: TransportProtocol[], opts?: { autoPong?: boolean }): Promise<SipAgent>;
  close(): Promise<void>;
}

export async function world(opts: ReferenceSutOptions = {}): Promise<World> {
  const trace = new Trace();
  const sut = await ReferenceSut.start({ trace, timers: { t1: T1 }, ...opts });
  const agents: SipAgent[] = [];
  return {
    trace,
    sut,
    agents,
    async agent(name, listen = ['udp'], o = {}) {
      const a = await SipAgent.create({
        name,
        trace,
        listen,
        timers: { t1: T1 },
        ...(o.autoPong === undefined ? {} : { autoPong: o.autoPong }),
      });
      agents.push(a);
      return a;
    },
    async close() {
      for (const a of agents) await a.close();
      await sut.close();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls a condition every 10 ms, failing with `what` after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(10);
  }
}
