/**
 * RFC 5626 set-ups the OUTBOUND checks share: a UA instance with several flows registered through the SUT (the SUT
 * as edge proxy and registrar), or through the harness's edge proxy in front of the SUT's registrar.
 */
import { MockEdgeProxy } from '../agent/edge-proxy';
import type { Registrant } from '../agent/registrant';
import type { IncomingRequest, SipAgent } from '../agent/sip-agent';
import { ExpectationError } from '../agent/expectation';
import type { SipResponse } from '../sip/message';
import type { Flow } from '../transport/types';
import type { CheckContext } from './context';

export interface OutboundUa {
  agent: SipAgent;
  registrant: Registrant;
  /** reg-id → flow. */
  flows: Map<number, Flow>;
  /** reg-id → the 200 OK. */
  responses: Map<number, SipResponse>;
}

/** Registers reg-ids over TCP, one connection each (§4.2), expecting 200 for each. */
export async function registerFlows(
  ctx: CheckContext,
  name: string,
  regIds: number[],
  via?: MockEdgeProxy,
): Promise<OutboundUa> {
  // Outbound flows are connections: TCP, or TLS when the run is over TLS (RFC 5626 §3.3).
  const stream = ctx.sut.transports.includes('tcp') ? 'tcp' : 'tls';
  const agent = await ctx.agent(name, { listen: [stream] });
  const registrant = ctx.registrant(agent, {
    transport: stream,
    outbound: { regIds },
    expires: 600,
    registrar: via ? via.uaTarget() : undefined,
  });
  const flows = new Map<number, Flow>();
  const responses = new Map<number, SipResponse>();
  for (const regId of regIds) {
    await ctx.step(
      `${name} registers reg-id ${regId} of ${registrant.instance} on its own ${stream.toUpperCase()} flow${via ? ' through the harness edge proxy' : ''}`,
      async () => {
        const res = (
          await registrant.register(regId, { within: ctx.ms('64*T1') }).catch((e: unknown) => {
            if (e instanceof ExpectationError)
              ctx.fail(`REGISTER for reg-id ${regId} got no final response: ${e.message} (RFC 5626 §4.2)`);
            throw e;
          })
        ).message;
        if (res.status !== 200)
          ctx.fail(
            `REGISTER with +sip.instance and reg-id ${regId} got ${res.status} ${res.reason}, not 200 (RFC 5626 §6)`,
          );
        flows.set(regId, registrant.flowOf(regId)!);
        responses.set(regId, res);
      },
    );
  }
  ctx.onCleanup(async () => {
    for (const regId of regIds)
      await registrant
        .register(regId, { expires: 0, newFlow: registrant.flowOf(regId)?.closed ?? false, within: ctx.ms('4*T1') })
        .catch(() => undefined);
  });
  return { agent, registrant, flows, responses };
}

/** The Contact values of a 200 that carry our instance, by reg-id. */
export function boundRegIds(res: SipResponse, instance: string): number[] {
  const ids: number[] = [];
  for (const c of res.contacts) {
    const inst = c.params.getUnquoted('+sip.instance');
    if (inst && inst.replace(/^<|>$/g, '') === instance) ids.push(Number(c.params.get('reg-id')));
  }
  return ids.sort();
}

export function regIdOfFlow(ua: OutboundUa, flow: Flow): number | undefined {
  for (const [id, f] of ua.flows) if (f.id === flow.id) return id;
  return undefined;
}

/** Waits for the INVITE at the UA, failing with a message about flows. */
export async function expectInviteOnFlows(ctx: CheckContext, ua: OutboundUa, why: string): Promise<IncomingRequest> {
  try {
    return await ua.agent.expect('INVITE', { within: '64*T1' });
  } catch (e) {
    if (e instanceof ExpectationError)
      ctx.fail(
        `${why}: no INVITE reached ${ua.agent.name} on any of its flows within 64·T1 = ${ctx.ms('64*T1')} ms (${e.message}) (RFC 5626 §7, §5.3)`,
      );
    throw e;
  }
}

export async function harnessEdge(ctx: CheckContext): Promise<MockEdgeProxy> {
  const edge = await MockEdgeProxy.create('edge', {
    registrar: ctx.registrarTarget('udp'),
    trace: ctx.trace,
    timers: ctx.timers,
  });
  ctx.onCleanup(() => edge.close());
  return edge;
}
