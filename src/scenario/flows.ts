/**
 * Building blocks the checks share: make a callee reachable through the SUT, place a call to it and have it
 * answered — each as a reported step with a failure message an engineer can act on.
 */
import type { Registrant } from '../agent/registrant';
import type { IncomingRequest, OutgoingCall, SipAgent } from '../agent/sip-agent';
import { ExpectationError } from '../agent/expectation';
import { retryInviteWithCredentials } from '../agent/invite-auth';
import { NameAddr } from '../sip/fields';
import { SipUri, parseUri } from '../sip/uri';
import type { TransportProtocol } from '../transport/types';
import { SetupError } from './check';
import type { CheckContext } from './context';

export interface Party {
  agent: SipAgent;
  /** The URI callers dial: the AOR when registered with the SUT, else the agent's own Contact URI. */
  uri: SipUri;
  registrant?: Registrant;
}

/** Whether the SUT can register users (then callees are reached through its location service). */
export function hasRegistrar(ctx: CheckContext): boolean {
  return ctx.sut.capabilities.includes('registrar') || ctx.sut.role === 'registrar';
}

/**
 * A party reachable through the SUT: registered when the SUT is a registrar (RFC 3261 §10), otherwise addressed
 * by its Contact URI, which a proxy forwards to (§16.5: a Request-URI outside the proxy's domain).
 */
export async function reachableParty(
  ctx: CheckContext,
  name: string,
  transport: TransportProtocol = ctx.defaultTransport(),
): Promise<Party> {
  if (!hasRegistrar(ctx) && ctx.sut.trunk) return trunkParty(ctx, name);
  const agent = await ctx.agent(name, { listen: [transport] });
  if (!hasRegistrar(ctx)) {
    const c = agent.contact(transport).uri as SipUri;
    return { agent, uri: c };
  }
  const registrant = ctx.registrant(agent, { transport });
  await ctx.step(`${name} registers ${agent.aor} with the SUT`, async () => {
    const res = (await registrant.register(undefined, { within: ctx.ms('64*T1') })).message;
    ctx.checkAccountAccepted(agent, res.status);
    if (res.status !== 200)
      ctx.fail(
        `setting up: REGISTER for ${agent.aor} got ${res.status} ${res.reason}, not 200 (RFC 3261 §10.3); the check cannot reach ${name}`,
      );
  });
  ctx.onCleanup(async () => {
    await registrant.unregister().catch(() => undefined);
  });
  return { agent, uri: agent.aor, registrant };
}

/**
 * A SUT that routes outgoing calls to a fixed next hop (a trunk, profile `trunk:`) reaches the callee there: the
 * party listens at the trunk address (one check at a time) and is dialled at any user of the SUT's own address.
 */
async function trunkParty(ctx: CheckContext, name: string): Promise<Party> {
  const trunk = ctx.sut.trunk!;
  await ctx.leaseTrunk();
  const agent = await ctx.agent(name, { listen: [{ transport: 'udp', host: trunk.address, port: trunk.port }] });
  const sut = ctx.sut.address!;
  const host = sut.address.includes(':') ? `[${sut.address}]` : sut.address;
  return { agent, uri: parseUri(`sip:${agent.user}@${host}:${sut.port}`) as SipUri };
}

export async function caller(
  ctx: CheckContext,
  name: string,
  transport: TransportProtocol = ctx.defaultTransport(),
): Promise<SipAgent> {
  return ctx.agent(name, { listen: [transport] });
}

/** Sends an INVITE from `from` to `to` through the SUT and waits for it at the callee. */
export async function inviteThroughSut(
  ctx: CheckContext,
  from: SipAgent,
  to: Party,
  opts: { transport?: TransportProtocol; headers?: Array<[string, string | number]> } = {},
): Promise<{ call: OutgoingCall; inv: IncomingRequest }> {
  const transport = opts.transport ?? ctx.defaultTransport();
  const call = await ctx.step(`${from.name} sends INVITE ${to.uri} to the SUT`, () =>
    from.invite(to.uri, {
      target: ctx.sutTarget(transport),
      headers: opts.headers,
      contact: new NameAddr(from.contact(transport).uri),
    }),
  );
  return ctx.step(`${to.agent.name} receives the INVITE from the SUT`, () =>
    deliverInvite(ctx, call, to, ctx.sutTarget(transport)),
  );
}

/**
 * Waits until the INVITE reaches the callee. A 401/407 from the SUT (a PBX authenticating its callers, RFC 3261
 * §22.2, §22.3) is answered once with the caller's credentials (same Call-ID and From tag, CSeq + 1); the call
 * returned is the retried one.
 */
async function deliverInvite(
  ctx: CheckContext,
  first: OutgoingCall,
  to: Party,
  target: ReturnType<CheckContext['sutTarget']>,
): Promise<{ call: OutgoingCall; inv: IncomingRequest }> {
  const deadline = performance.now() + ctx.ms('64*T1');
  let call = first;
  let retried = false;
  while (performance.now() < deadline) {
    const inv = to.agent.requests.take((r) => r.method === 'INVITE');
    if (inv) return { call, inv };
    const challenge = call.responses.take((r) => r.message.status === 401 || r.message.status === 407);
    if (challenge) {
      const status = challenge.message.status;
      const creds = ctx.credentialsFor(call.agent);
      if (!creds || retried)
        throw new SetupError(
          `setup — the SUT answered ${call.agent.name}'s INVITE ${status}${retried ? ' again after the retry with credentials' : ''} and the profile gives ${creds ? 'no working' : 'no'} credentials for the caller (RFC 3261 §22.2)`,
        );
      const retry = await retryInviteWithCredentials(call, challenge.message, creds, target);
      if (!retry) ctx.fail(`the ${status} to the INVITE carries no usable digest challenge (RFC 3261 §22.3, §20.27)`);
      call = retry.call;
      retried = true;
      continue;
    }
    if (call.failure || call.responses.pending().some((r) => r.message.status >= 200)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const answered = call.responses.all().map((r) => `${r.message.status} ${r.message.reason}`);
  ctx.fail(
    `the SUT did not deliver the INVITE to ${to.uri} within 64·T1 = ${ctx.ms('64*T1')} ms (RFC 3261 §16.6)${answered.length ? `; the caller got ${answered.join(', ')}` : ''}`,
  );
}

/** The caller waits for a response through the SUT, failing with what it got instead. */
export async function expectAtCaller(
  ctx: CheckContext,
  call: OutgoingCall,
  status: number,
  rfc: string,
  within = '64*T1',
) {
  return ctx.step(`${call.agent.name} receives ${status} from the SUT`, async () => {
    try {
      return await call.expectResponse(status, { within });
    } catch (e) {
      if (e instanceof ExpectationError)
        ctx.fail(`the caller did not receive the ${status} within ${ctx.ms(within)} ms (${rfc}): ${e.message}`);
      throw e;
    }
  });
}

/** Time of day HH:MM:SS.mmm for failure messages. */
export function clock(wallMs: number = Date.now()): string {
  return new Date(wallMs).toISOString().slice(11, 23);
}

export function sipUriOf(text: string): SipUri {
  return parseUri(text) as SipUri;
}
