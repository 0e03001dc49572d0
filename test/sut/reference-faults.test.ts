/**
 * Every fault switch really produces its defect: the behaviour the conformance check looks for is absent with the
 * switch on (the same scenarios pass without it, in reference-proxy/-registrar/-outbound tests).
 */
import { Registrant, sipUri } from '../../src/agent/registrant';
import { OutgoingCall, IncomingRequest, SipAgent } from '../../src/agent/sip-agent';
import { FAULT_NAMES, FAULTS, FaultName } from '../../src/sut/reference';
import { definition } from '../../src/sut/reference/faults';
import type { TransportProtocol } from '../../src/transport/types';
import { T1, World, sleep, until, world } from './reference-support';

let w: World;
afterEach(async () => w?.close());

async function start(
  fault: FaultName,
  transport: TransportProtocol = 'udp',
): Promise<{ alice: SipAgent; bob: SipAgent }> {
  w = await world({ faults: [fault] });
  const alice = await w.agent('alice', [transport]);
  const bob = await w.agent('bob', [transport]);
  return { alice, bob };
}

async function callBob(
  alice: SipAgent,
  bob: SipAgent,
  transport: TransportProtocol = 'udp',
): Promise<{ call: OutgoingCall; inv: IncomingRequest }> {
  await new Registrant(bob, { registrar: { remote: w.sut.address(transport), transport } }).register();
  const call = await alice.invite(bob.aor, { target: { remote: w.sut.address(transport), transport } });
  const inv = await bob.expect('INVITE', { within: 2000 });
  return { call, inv };
}

async function outboundBob(bob: SipAgent): Promise<Registrant> {
  const reg = new Registrant(bob, {
    registrar: { remote: w.sut.address('tcp'), transport: 'tcp' },
    outbound: { regIds: [1, 2] },
  });
  for (const id of [1, 2]) await reg.register(id);
  return reg;
}

/** The harness as edge in front of the registrar-only listeners: bob's two flows registered with Path ;ob. */
async function viaEdge(edge: SipAgent): Promise<void> {
  const e = edge.address('tcp');
  const reg = new Registrant(edge, {
    registrar: { remote: w.sut.registrarAddress('tcp'), transport: 'tcp' },
    aor: sipUri('sip:bob@127.0.0.1'),
    outbound: { regIds: [1, 2] },
  });
  for (const id of [1, 2])
    await reg.register(id, { headers: [['Path', `<sip:flow${id}@${e.address}:${e.port};transport=tcp;lr;ob>`]] });
}

test('FAULTS describes every fault in one line, naming the RFC section it breaks', () => {
  expect(FAULT_NAMES.length).toBeGreaterThan(0);
  for (const f of FAULT_NAMES) expect(FAULTS[f]).toMatch(/^[^\n]+RFC \d+ §/);
});

test('every fault installs something: at least one decision hook, or a switch of its own', () => {
  for (const f of FAULT_NAMES) {
    const d = definition(f);
    const hooks = Object.values(d.hooks ?? {}).flatMap((layer) => Object.values(layer ?? {}));
    expect({ fault: f, installs: hooks.length > 0 || d.onSwitch !== undefined }).toEqual({ fault: f, installs: true });
  }
});

describe('fault switches reproduce their defect', () => {
  test('drop-2xx-ack: the callee never gets the ACK for its 2xx (§16.11)', async () => {
    const { alice, bob } = await start('drop-2xx-ack');
    const { call, inv } = await callBob(alice, bob);
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await call.ack();
    await bob.expectNoRequest('ACK', 6 * T1);
    inv.twoXx!.stop();
  });

  test('no-2xx-retransmit-forward: the caller gets one 2xx while the callee retransmits it (§16.7)', async () => {
    const { alice, bob } = await start('no-2xx-retransmit-forward');
    const { call, inv } = await callBob(alice, bob);
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await sleep(8 * T1);
    expect(inv.twoXx!.sends.length).toBeGreaterThanOrEqual(3);
    expect(call.twoXxCount).toBe(1);
    inv.twoXx!.stop();
  });

  test('no-non2xx-ack: the callee gets no ACK for its 486 and keeps retransmitting it (§17.1.1.3)', async () => {
    const { alice, bob } = await start('no-non2xx-ack');
    const { call, inv } = await callBob(alice, bob);
    let acked = false;
    inv.tx!.on('ack', () => (acked = true));
    await inv.respond(486);
    expect((await call.final({ within: 1000 })).message.status).toBe(486);
    await sleep(6 * T1);
    expect(acked).toBe(false);
    expect(inv.tx!.state).toBe('completed');
  });

  test('ignore-cancel: CANCEL is answered 200 but never reaches the callee (§16.10)', async () => {
    const { alice, bob } = await start('ignore-cancel');
    const { call, inv } = await callBob(alice, bob);
    await inv.respond(180);
    await call.expectResponse(180, { within: 1000 });
    const cancel = await call.cancel();
    expect((await cancel.final({ within: 1000 })).message.status).toBe(200);
    await bob.expectNoRequest('CANCEL', 6 * T1);
    await inv.respond(486);
    await call.final({ within: 1000 });
  });

  test('no-max-forwards-decrement: the callee sees Max-Forwards 70 as the caller sent it (§16.6 step 3)', async () => {
    const { alice, bob } = await start('no-max-forwards-decrement');
    const { call, inv } = await callBob(alice, bob);
    expect(inv.request.maxForwards).toBe(70);
    await inv.respond(486);
    await call.final({ within: 1000 });
  });

  test('no-contact-in-200: the 200 to REGISTER lists no binding though one exists (§10.3 step 8)', async () => {
    const { bob } = await start('no-contact-in-200');
    const res = (await new Registrant(bob, { registrar: { remote: w.sut.address(), transport: 'udp' } }).register())
      .message;
    expect(res.status).toBe(200);
    expect(res.contacts).toHaveLength(0);
    expect(w.sut.bindings(bob.aor.toString())).toHaveLength(1);
  });

  test('duplicate-binding-on-refresh: a refresh leaves two bindings for one contact (§10.3 step 7)', async () => {
    const { bob } = await start('duplicate-binding-on-refresh');
    const reg = new Registrant(bob, { registrar: { remote: w.sut.address(), transport: 'udp' } });
    await reg.register();
    const res = (await reg.register()).message;
    expect(res.contacts).toHaveLength(2);
    expect(w.sut.bindings(bob.aor.toString())).toHaveLength(2);
  });

  test('ignore-expires-0: Expires: 0 and Contact: * leave the binding in place (§10.2.2)', async () => {
    const { bob } = await start('ignore-expires-0');
    const reg = new Registrant(bob, { registrar: { remote: w.sut.address(), transport: 'udp' } });
    await reg.register();
    expect((await reg.unregister()).message.status).toBe(200);
    expect(w.sut.bindings(bob.aor.toString())).toHaveLength(1);
    await reg.unregisterAll();
    expect(w.sut.bindings(bob.aor.toString())).toHaveLength(1);
  });

  test('no-require-outbound: the 200 to an outbound REGISTER has no Require: outbound (RFC 5626 §6)', async () => {
    const { bob } = await start('no-require-outbound', 'tcp');
    const reg = new Registrant(bob, {
      registrar: { remote: w.sut.address('tcp'), transport: 'tcp' },
      outbound: { regIds: [1] },
    });
    const res = (await reg.register(1)).message;
    expect(res.status).toBe(200);
    expect(res.optionTags('require')).not.toContain('outbound');
    expect(w.sut.bindings(bob.aor.toString())[0]!.regId).toBe(1);
  });

  test('no-keepalive-pong: a CRLFCRLF ping gets no pong (RFC 5626 §3.5.1)', async () => {
    const { bob } = await start('no-keepalive-pong', 'tcp');
    const reg = await outboundBob(bob);
    const flow = reg.flowOf(1)!;
    await flow.ping();
    await expect(bob.expectFlowEvent('pong', { flow, within: 10 * T1 })).rejects.toThrow(/expected flow pong/);
    w.sut.setFault('no-keepalive-pong', false);
    await flow.ping();
    await bob.expectFlowEvent('pong', { flow, within: 10 * T1 });
  });

  test('no-failover-on-430: the 430 from the edge reaches the caller and the other flow is never tried (RFC 5626 §7)', async () => {
    const { alice } = await start('no-failover-on-430', 'tcp');
    const edge = await w.agent('edge', ['tcp']);
    await viaEdge(edge);
    const call = await alice.invite('sip:bob@127.0.0.1', {
      target: { remote: w.sut.registrarAddress('tcp'), transport: 'tcp' },
    });
    await (await edge.expect('INVITE', { within: 2000 })).respond(430);
    expect((await call.final({ within: 1000 })).message.status).toBe(430);
    await edge.expectNoRequest('INVITE', 4 * T1);
  });

  test('no-failover-on-flow-loss: with the first flow reset the caller gets 430 and the other flow no INVITE (RFC 5626 §5.3, §7)', async () => {
    const { alice, bob } = await start('no-failover-on-flow-loss', 'tcp');
    const reg = await outboundBob(bob);
    const first = w.sut.bindings(bob.aor.toString())[0]!;
    reg.flowOf(first.regId!)!.reset();
    await until(() => first.flow!.closed, 2000, 'the SUT saw the reset');
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.address('tcp'), transport: 'tcp' } });
    expect((await call.final({ within: 1000 })).message.status).toBe(430);
    await bob.expectNoRequest('INVITE', 4 * T1);
  });

  test('hang-when-all-flows-failed: after 430 on every flow the caller gets no final response (§16.7 step 6)', async () => {
    const { alice } = await start('hang-when-all-flows-failed', 'tcp');
    const edge = await w.agent('edge', ['tcp']);
    await viaEdge(edge);
    const call = await alice.invite('sip:bob@127.0.0.1', {
      target: { remote: w.sut.registrarAddress('tcp'), transport: 'tcp' },
    });
    for (let i = 0; i < 2; i++) await (await edge.expect('INVITE', { within: 2000 })).respond(430);
    await expect(call.final({ within: 10 * T1 })).rejects.toThrow(/expected a final response/);
  });

  test('faults switch on and off in-process (setFault)', async () => {
    const { alice, bob } = await start('no-max-forwards-decrement');
    w.sut.setFault('no-max-forwards-decrement', false);
    const { call, inv } = await callBob(alice, bob);
    expect(inv.request.maxForwards).toBe(69);
    await inv.respond(486);
    await call.final({ within: 1000 });
    expect([...w.sut.faults]).toEqual([]);
  });
});
