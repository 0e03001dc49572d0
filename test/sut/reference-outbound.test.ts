import { Registrant, sipUri } from '../../src/agent/registrant';
import { IncomingRequest, SipAgent } from '../../src/agent/sip-agent';
import { T1, World, sleep, until, world } from './reference-support';

/** A registrant for `agent` with two outbound flows over TCP to the co-located edge (RFC 5626 §4.2). */
async function registerTwoFlows(w: World, agent: SipAgent): Promise<Registrant> {
  const reg = new Registrant(agent, {
    registrar: { remote: w.sut.address('tcp'), transport: 'tcp' },
    outbound: { regIds: [1, 2] },
  });
  for (const id of [1, 2]) expect((await reg.register(id)).message.status).toBe(200);
  return reg;
}

/** alice calls bob's AOR through the edge; the INVITE must reach bob on `flowId` (when given) and the call completes. */
async function callGoesThrough(w: World, alice: SipAgent, bob: SipAgent, flowId?: string): Promise<void> {
  const call = await alice.invite(bob.aor, { target: { remote: w.sut.address('tcp'), transport: 'tcp' } });
  const inv = await bob.expect('INVITE', { within: 2000 });
  if (flowId !== undefined) expect(inv.flow.id).toBe(flowId);
  await inv.accept();
  expect((await call.expectResponse(200, { within: 1000 })).message.status).toBe(200);
  await call.ack();
}

describe('reference SUT as RFC 5626 edge proxy + registrar (co-located, §5.3, §6)', () => {
  let w: World;
  let alice: SipAgent;
  let bob: SipAgent;
  beforeEach(async () => {
    w = await world();
    alice = await w.agent('alice', ['tcp']);
    bob = await w.agent('bob', ['tcp']);
  });
  afterEach(async () => w.close());

  test('two TCP flows: each 200 has Require: outbound and Flow-Timer, and two bindings are kept by reg-id (§6, §4.4.1)', async () => {
    const reg = new Registrant(bob, {
      registrar: { remote: w.sut.address('tcp'), transport: 'tcp' },
      outbound: { regIds: [1, 2] },
    });
    for (const id of [1, 2]) {
      const res = (await reg.register(id)).message;
      expect(res.status).toBe(200);
      expect(res.optionTags('require')).toContain('outbound');
      expect(res.get('flow-timer')).toBe('30');
    }
    expect(reg.flowOf(1)!.id).not.toBe(reg.flowOf(2)!.id);
    const bindings = w.sut.bindings(bob.aor.toString());
    expect(bindings.map((b) => b.regId).sort()).toEqual([1, 2]);
    expect(new Set(bindings.map((b) => b.instance))).toEqual(new Set([`<${reg.instance}>`]));
    // A refresh on flow 1 keeps two bindings (§6: keyed by instance and reg-id).
    await reg.register(1);
    expect(w.sut.bindings(bob.aor.toString())).toHaveLength(2);
  });

  test('a CRLFCRLF ping on a flow is answered with a CRLF pong (§3.5.1, §4.4.1)', async () => {
    const reg = await registerTwoFlows(w, bob);
    const flow = reg.flowOf(1)!;
    await flow.ping();
    const pong = await bob.expectFlowEvent('pong', { flow, within: 10 * T1 });
    expect(pong.kind).toBe('pong');
  });

  test('an INVITE to the AOR goes on a registered flow, with a flow token in Record-Route (§5.3)', async () => {
    const reg = await registerTwoFlows(w, bob);
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.address('tcp'), transport: 'tcp' } });
    const inv = await bob.expect('INVITE', { within: 2000 });
    expect([reg.flowOf(1)!.id, reg.flowOf(2)!.id]).toContain(inv.flow.id);
    expect(inv.request.recordRoutes[0]!.sipUri!.user).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await call.ack();
    const ack = await bob.expect('ACK', { within: 1000 });
    expect(ack.flow.id).toBe(inv.flow.id);
    const bye = await call.bye();
    const gotBye = await bob.expect('BYE', { within: 1000 });
    expect(gotBye.flow.id).toBe(inv.flow.id);
    await gotBye.respond(200);
    expect((await bye.final({ within: 1000 })).message.status).toBe(200);
  });

  test('failover on connection loss: the first flow is reset, the INVITE arrives on the other flow (§7, §5.3)', async () => {
    const reg = await registerTwoFlows(w, bob);
    const first = w.sut.bindings(bob.aor.toString())[0]!;
    const dead = reg.flowOf(first.regId!)!;
    const alive = reg.flowOf(first.regId === 1 ? 2 : 1)!;
    dead.reset();
    await until(() => first.flow!.closed, 2000, 'the SUT saw the reset');
    await callGoesThrough(w, alice, bob, alive.id);
  });

  test('every flow gone → 480 within a bounded time (§7, §16.7 step 6)', async () => {
    const reg = await registerTwoFlows(w, bob);
    for (const id of [1, 2]) reg.flowOf(id)!.reset();
    await until(() => w.sut.bindings(bob.aor.toString()).every((b) => b.flow!.closed), 2000, 'the SUT saw both resets');
    const started = performance.now();
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.address('tcp'), transport: 'tcp' } });
    expect((await call.final({ within: 1000 })).message.status).toBe(480);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('a request whose flow token names a closed flow → 430; a tampered token → 403 (§5.3)', async () => {
    const reg = await registerTwoFlows(w, bob);
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.address('tcp'), transport: 'tcp' } });
    const inv = await bob.expect('INVITE', { within: 2000 });
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await call.ack();
    await bob.expect('ACK', { within: 1000 });
    const rr = inv.request.recordRoutes.map((r) => r.toString());
    // Tamper: change one character of the token's MAC.
    const tampered = rr[0]!.replace(/\.([A-Za-z0-9_-])/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`);
    const msg = alice.createRequest('MESSAGE', inv.request.contacts[0]?.uri ?? bob.aor, {
      body: 'x',
      contentType: 'text/plain',
      headers: [['Route', tampered]],
    });
    const out = await alice.send(msg, { remote: w.sut.address('tcp'), transport: 'tcp' });
    expect((await out.final({ within: 1000 })).message.status).toBe(403);
    // A user part that is not token-shaped is just part of our URI (an outbound-proxy setting like sip:proxy@...).
    const a = w.sut.address('tcp');
    const plain = alice.createRequest('MESSAGE', 'sip:nobody@127.0.0.1', {
      body: 'x',
      contentType: 'text/plain',
      headers: [['Route', `<sip:john.doe@${a.address}:${a.port};transport=tcp;lr>`]],
    });
    expect(
      (await (await alice.send(plain, { remote: a, transport: 'tcp' })).final({ within: 1000 })).message.status,
    ).toBe(404);
    inv.flow.reset();
    const sutSide = w.sut.bindings(bob.aor.toString()).find((b) => b.flow!.remote.port === inv.flow.local.port)!;
    await until(() => sutSide.flow!.closed, 2000, 'the SUT saw the reset');
    const bye = await call.bye();
    expect((await bye.final({ within: 1000 })).message.status).toBe(430);
    void reg;
  });
});

/**
 * The edge enforces the Flow-Timer it sends (RFC 5626 §4.4.1, §5.4): a flow with an outbound registration that stays
 * silent for Flow-Timer + grace is closed as dead; keep-alives (or any SIP message) keep it open. A short Flow-Timer
 * (1 s) and grace (300 ms) keep the test quick; the rule is the same at 30 s.
 */
describe('reference SUT edge: Flow-Timer enforcement (RFC 5626 §4.4.1)', () => {
  const FLOW_TIMER_S = 1;
  const GRACE_MS = 300;
  let w: World;
  let alice: SipAgent;
  let bob: SipAgent;
  let log: string[];
  beforeEach(async () => {
    log = [];
    w = await world({ flowTimer: FLOW_TIMER_S, flowTimerGraceMs: GRACE_MS, log: (line) => log.push(line) });
    alice = await w.agent('alice', ['tcp']);
    bob = await w.agent('bob', ['tcp', 'udp']);
  });
  afterEach(async () => w.close());

  test('a silent TCP flow is closed after Flow-Timer + grace, not before; the one kept alive with CRLF pings stays and takes the call (§4.4.1, §7)', async () => {
    const reg = await registerTwoFlows(w, bob);
    const started = performance.now();
    const silent = reg.flowOf(1)!;
    const pinged = reg.flowOf(2)!;
    // The UA keeps flow 2 alive at about half the Flow-Timer (§4.4.1 asks for 80–100 %; sooner is also fine).
    bob.transport.startKeepalive(pinged, { intervalMs: 500, timeoutMs: 2000 });
    const closed = await bob.expectFlowEvent('close', { flow: silent, within: FLOW_TIMER_S * 1000 + GRACE_MS + 2000 });
    const after = closed.at - started;
    expect(after).toBeGreaterThanOrEqual(FLOW_TIMER_S * 1000);
    expect(closed.kind === 'close' && closed.reason).toBe('fin');
    expect(pinged.closed).toBe(false);
    // §7: the closed flow's binding fails over to the live one.
    await callGoesThrough(w, alice, bob, pinged.id);
    // Well past three Flow-Timers the pinged flow is still open.
    await sleep(3 * FLOW_TIMER_S * 1000 - (performance.now() - started));
    expect(pinged.closed).toBe(false);
  }, 15_000);

  test('a silent UDP flow is forgotten after Flow-Timer + grace: with no other flow the INVITE gets 480 (§4.4.1, §7)', async () => {
    const reg = new Registrant(bob, {
      registrar: { remote: w.sut.address('udp'), transport: 'udp' },
      outbound: { regIds: [1] },
    });
    const res = (await reg.register(1)).message;
    expect(res.status).toBe(200);
    expect(res.get('flow-timer')).toBe(String(FLOW_TIMER_S));
    const binding = w.sut.bindings(bob.aor.toString())[0]!;
    await sleep(FLOW_TIMER_S * 1000 - 100);
    expect(binding.flow!.closed).toBe(false); // within the Flow-Timer: still alive
    await until(() => binding.flow!.closed, GRACE_MS + 2000, 'the SUT gave the silent UDP flow up');
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.address('tcp'), transport: 'tcp' } });
    expect((await call.final({ within: 2000 })).message.status).toBe(480);
    expect(log.some((l) => /Flow-Timer 1 s \+ 300 ms grace\): the flow is dead/.test(l))).toBe(true);
  }, 15_000);

  test('STUN keep-alives on a UDP flow keep it (§4.4.2)', async () => {
    const reg = new Registrant(bob, {
      registrar: { remote: w.sut.address('udp'), transport: 'udp' },
      outbound: { regIds: [1] },
    });
    expect((await reg.register(1)).message.status).toBe(200);
    bob.transport.startKeepalive(reg.flowOf(1)!, { intervalMs: 400, timeoutMs: 2000 });
    const binding = w.sut.bindings(bob.aor.toString())[0]!;
    await sleep(3 * FLOW_TIMER_S * 1000);
    expect(binding.flow!.closed).toBe(false);
    await callGoesThrough(w, alice, bob, reg.flowOf(1)!.id);
  }, 15_000);
});

/**
 * The harness plays the edge proxy in front of the registrar-only listeners: it registers bob's two flows with a
 * Path carrying its own token and ;ob, and answers the INVITEs routed back through it.
 */
describe('reference SUT as registrar + authoritative proxy behind an edge (RFC 5626 §6, §7)', () => {
  let w: World;
  let alice: SipAgent;
  let edge: SipAgent;
  beforeEach(async () => {
    w = await world();
    alice = await w.agent('alice', ['tcp']);
    edge = await w.agent('edge', ['tcp']);
  });
  afterEach(async () => w.close());

  async function registerViaEdge(): Promise<void> {
    const e = edge.address('tcp');
    const reg = new Registrant(edge, {
      registrar: { remote: w.sut.registrarAddress('tcp'), transport: 'tcp' },
      aor: sipUri('sip:bob@127.0.0.1'),
      outbound: { regIds: [1, 2] },
    });
    for (const id of [1, 2]) {
      const res = (
        await reg.register(id, { headers: [['Path', `<sip:flow${id}@${e.address}:${e.port};transport=tcp;lr;ob>`]] })
      ).message;
      expect(res.status).toBe(200);
      expect(res.optionTags('require')).toContain('outbound');
      expect(res.getAll('path')[0]).toContain(`flow${id}@`);
    }
  }

  const tokenOf = (inv: IncomingRequest) => inv.request.routes[0]?.sipUri?.user;

  test('430 from the edge → the INVITE is sent again on the other flow of the instance, and the call completes (§7)', async () => {
    await registerViaEdge();
    const call = await alice.invite('sip:bob@127.0.0.1', {
      target: { remote: w.sut.registrarAddress('tcp'), transport: 'tcp' },
    });
    const first = await edge.expect('INVITE', { within: 2000 });
    expect(tokenOf(first)).toMatch(/^flow[12]$/);
    await first.respond(430);
    const second = await edge.expect('INVITE', { within: 2000 });
    expect(tokenOf(second)).toMatch(/^flow[12]$/);
    expect(tokenOf(second)).not.toBe(tokenOf(first));
    await second.accept();
    expect((await call.expectResponse(200, { within: 1000 })).message.status).toBe(200);
    await call.ack();
  });

  test('430 on every flow → 480 within a bounded time (§7)', async () => {
    await registerViaEdge();
    const started = performance.now();
    const call = await alice.invite('sip:bob@127.0.0.1', {
      target: { remote: w.sut.registrarAddress('tcp'), transport: 'tcp' },
    });
    for (let i = 0; i < 2; i++) await (await edge.expect('INVITE', { within: 2000 })).respond(430);
    expect((await call.final({ within: 1000 })).message.status).toBe(480);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('a REGISTER with reg-id whose Path lacks ;ob → 439 First Hop Lacks Outbound Support (§6)', async () => {
    const e = edge.address('tcp');
    const reg = new Registrant(edge, {
      registrar: { remote: w.sut.registrarAddress('tcp'), transport: 'tcp' },
      outbound: { regIds: [1] },
    });
    const res = (await reg.register(1, { headers: [['Path', `<sip:flow1@${e.address}:${e.port};transport=tcp;lr>`]] }))
      .message;
    expect(res.status).toBe(439);
  });
});
