/**
 * MockRegistrar (src/agent/registrar.ts) agent to agent over real loopback TCP: a Registrant (RFC 5626 outbound)
 * registers with it; the registrar accepts, challenges, refuses, records, kills flows and answers 430.
 */
import { MockRegistrar } from '../../src/agent/registrar';
import { Registrant } from '../../src/agent/registrant';
import { SipAgent } from '../../src/agent/sip-agent';
import { Trace } from '../../src/transport/trace';

const timers = { t1: 100 };

describe('MockRegistrar — the harness as registrar / edge for a UA SUT', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function setUp(
    opts: Parameters<typeof MockRegistrar.create>[0] = {},
    registrant: Partial<ConstructorParameters<typeof Registrant>[1]> = {},
  ) {
    const trace = new Trace();
    const reg = await MockRegistrar.create({ trace, timers, ...opts });
    closers.push(() => reg.close());
    const ua = await SipAgent.create({ name: 'ua', listen: ['tcp'], trace, timers, user: 'bob', domain: '127.0.0.1' });
    closers.push(() => ua.close());
    const r = new Registrant(ua, {
      registrar: { remote: reg.agent.address('tcp'), transport: 'tcp' },
      outbound: { regIds: [1] },
      expires: 600,
      ...registrant,
    });
    return { reg, ua, r, trace };
  }

  test('accepts an outbound REGISTER: 200 with Require: outbound, Flow-Timer and the granted expiry; records arrival time and flow (RFC 5626 §6, RFC 3261 §10.3 step 8)', async () => {
    const { reg, r } = await setUp({ grantExpires: 20, flowTimer: 15 });
    const t0 = performance.now();
    const res = (await r.register(1)).message;
    expect(res.status).toBe(200);
    expect(res.optionTags('require')).toContain('outbound');
    expect(res.get('flow-timer')).toBe('15');
    expect(res.contacts).toHaveLength(1);
    expect(res.contacts[0]!.params.get('expires')).toBe('20');
    expect(res.contacts[0]!.params.get('reg-id')).toBe('1');
    const rec = await reg.expectRegister({ within: 1000 });
    expect(rec.instance).toBe(r.instance);
    expect(rec.regId).toBe(1);
    expect(rec.requestedExpires).toBe(600);
    expect(rec.flow.id).toBe(reg.agent.transport.flows().find((f) => f.transport === 'tcp')!.id);
    expect(rec.at).toBeGreaterThanOrEqual(t0);
    expect(rec.response?.status).toBe(200);
    expect(reg.bindings('sip:bob@127.0.0.1')).toHaveLength(1);
  });

  test('challenges with Digest (401) and accepts the credentials; a wrong password stays 401 (RFC 3261 §22.4)', async () => {
    const { reg, r } = await setUp(
      { credentials: { bob: 'secret' } },
      { credentials: { username: 'bob', password: 'secret' } },
    );
    const res = (await r.register(1)).message;
    expect(res.status).toBe(200);
    expect(reg.registers.map((x) => x.response?.status)).toEqual([401, 200]);
    expect(reg.registers[1]!.request.get('authorization')).toMatch(/^Digest /);

    const { r: wrong } = await setUp(
      { credentials: { bob: 'secret' } },
      { credentials: { username: 'bob', password: 'nope' } },
    );
    expect((await wrong.register(1)).message.status).toBe(401);
  });

  test('refuses: 423 with Min-Expires for a too-brief expiry, 403 when told (RFC 3261 §10.3 steps 4, 7)', async () => {
    const { reg, r } = await setUp({ minExpires: 60 }, { expires: 30 });
    const res = (await r.register(1)).message;
    expect(res.status).toBe(423);
    expect(res.get('min-expires')).toBe('60');
    reg.answerNext({ kind: 'status', status: 403 });
    expect((await r.register(1, { expires: 120 })).message.status).toBe(403);
    expect((await r.register(1, { expires: 120 })).message.status).toBe(200);
    expect(reg.registers.map((x) => x.response?.status)).toEqual([423, 403, 200]);
  });

  test('kills the flow (RST): the UA sees it close; its re-REGISTER on a new flow replaces the binding (RFC 5626 §4.4.1, §6)', async () => {
    const { reg, ua, r } = await setUp();
    await r.register(1);
    const first = await reg.expectRegister({ within: 1000 });
    await reg.killFlow(first.flow, 'reset');
    await ua.expectFlowEvent('close', { flow: r.flowOf(1), within: 2000 });
    expect(reg.bindings('sip:bob@127.0.0.1')).toHaveLength(0);
    const res = (await r.register(1, { newFlow: true })).message;
    expect(res.status).toBe(200);
    const again = await reg.expectRegister({ within: 1000 });
    expect(again.flow.id).not.toBe(first.flow.id);
    expect(again.instance).toBe(first.instance);
    expect(again.regId).toBe(1);
    expect(reg.bindings('sip:bob@127.0.0.1')).toHaveLength(1);
    await expect(reg.expectNoRegister(300)).resolves.toBeUndefined();
  });

  test('answers 430 Flow Failed to requests on a failed flow, REGISTER and OPTIONS alike (RFC 5626 §11.5)', async () => {
    const { reg, ua, r } = await setUp();
    await r.register(1);
    const first = await reg.expectRegister({ within: 1000 });
    reg.failRequestsOn(first.flow);
    expect((await r.register(1)).message.status).toBe(430);
    const opt = await ua.send(ua.createRequest('OPTIONS', 'sip:127.0.0.1'), { flow: r.flowOf(1)! });
    expect((await opt.final({ within: 1000 })).message.status).toBe(430);
    // A new flow is not failed.
    expect((await r.register(1, { newFlow: true })).message.status).toBe(200);
  });

  test('expectNoRegister rejects naming the REGISTER that came; expectRegister times out with what arrived instead', async () => {
    const { reg, r } = await setUp();
    const quiet = reg.expectNoRegister(2000);
    await r.register(1);
    await expect(quiet).rejects.toThrow(/expected no REGISTER for 2000 ms, but received REGISTER \(CSeq 1\)/);
    await expect(
      reg.expectRegister({ within: 200, match: (x) => x.regId === 2, what: 'a REGISTER for reg-id 2' }),
    ).rejects.toThrow(/expected a REGISTER for reg-id 2 within 200 ms; received instead/);
  });
});
