import { SipAgent } from '../../src/agent/sip-agent';
import { Trace } from '../../src/transport/trace';
import type { TransportProtocol } from '../../src/transport/types';

const T1 = 50;

describe.each<TransportProtocol>(['udp', 'tcp'])('agent to agent over %s (RFC 3261 §13, §17)', (transport) => {
  let alice: SipAgent;
  let bob: SipAgent;
  let trace: Trace;

  beforeEach(async () => {
    trace = new Trace();
    alice = await SipAgent.create({ name: 'alice', trace, listen: [transport], timers: { t1: T1 } });
    bob = await SipAgent.create({ name: 'bob', trace, listen: [transport], timers: { t1: T1 } });
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
  });

  test('INVITE → 180 → 200 → ACK → BYE → 200 (§13.2.2.4, §15)', async () => {
    const call = await alice.invite(bob.aor, { target: { remote: bob.address(transport), transport } });
    const inv = await bob.expect('INVITE', { within: 1000 });
    expect(inv.request.cseq.method).toBe('INVITE');
    await inv.respond(180);
    expect((await call.expectResponse(180, { within: 1000 })).message.to.tag).toBeTruthy();
    await inv.accept();
    const ok = await call.expectResponse(200, { within: 1000 });
    expect(ok.message.contacts[0]!.uri.toString()).toContain(`${bob.address(transport).port}`);
    const ack = await call.ack();
    const gotAck = await bob.expect('ACK', { within: 1000 });
    expect(gotAck.request.cseq.seq).toBe(call.request.cseq.seq);
    expect(gotAck.request.callId).toBe(call.request.callId);
    expect(gotAck.request.topVia.branch).not.toBe(call.request.topVia.branch);
    expect(ack.method).toBe('ACK');
    expect(await inv.twoXx!.acked).toBe(true);
    const bye = await call.bye();
    const gotBye = await bob.expect('BYE', { within: 1000 });
    await gotBye.respond(200);
    expect((await bye.final({ within: 1000 })).message.status).toBe(200);
  });

  test('a 486 is ACKed by the client transaction with the INVITE branch (§17.1.1.3)', async () => {
    const call = await alice.invite(bob.aor, { target: { remote: bob.address(transport), transport } });
    const inv = await bob.expect('INVITE', { within: 1000 });
    await inv.respond(486);
    expect((await call.final({ within: 1000 })).message.status).toBe(486);
    const ackEvent = await new Promise<string>((resolve) =>
      inv.tx!.once('ack', (rx) => resolve(rx.message.topVia.branch)),
    );
    expect(ackEvent).toBe(call.request.topVia.branch);
  });
});

describe('UDP retransmission timers (RFC 3261 §17.1.1.2, §17.2.1, §13.3.1.4)', () => {
  let alice: SipAgent;
  let bob: SipAgent;
  beforeEach(async () => {
    alice = await SipAgent.create({ name: 'alice', timers: { t1: T1 } });
    bob = await SipAgent.create({ name: 'bob', timers: { t1: T1 } });
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
  });

  test('Timer A doubles: the INVITE is retransmitted at T1, 2·T1, 4·T1 when unanswered', async () => {
    const call = await alice.invite(bob.aor, { target: { remote: bob.address(), transport: 'udp' } });
    const inv = await bob.expect('INVITE', { within: 1000 });
    // Timer A is measured where it runs, at the client transaction's own transmissions: a timer fires late under
    // load, never early, and each firing re-arms the next (§17.1.1.2), so every gap is at least its interval. Gaps
    // between arrivals at Bob are not: a late read of one copy shortens the gap to the next. Node may run a timer
    // up to 1 ms before its time (millisecond rounding), hence the 2 ms allowance.
    const arrivals = inv.tx!.arrivals;
    const sends = call.tx.sends;
    for (let waited = 0; arrivals.length < 4 && waited < 60 * T1; waited += T1)
      await new Promise((r) => setTimeout(r, T1));
    expect(arrivals.length).toBeGreaterThanOrEqual(4); // the retransmissions were on the wire
    expect(sends.length).toBeGreaterThanOrEqual(arrivals.length);
    const gaps = sends.slice(1, 4).map((t, i) => t - sends[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(T1 - 2);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * T1 - 2);
    expect(gaps[2]).toBeGreaterThanOrEqual(4 * T1 - 2);
    await inv.respond(486);
    await call.final({ within: 1000 });
  });

  test('the UAS retransmits its 2xx until the ACK, then stops (§13.3.1.4)', async () => {
    const call = await alice.invite(bob.aor, { target: { remote: bob.address(), transport: 'udp' } });
    const inv = await bob.expect('INVITE', { within: 1000 });
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await new Promise((r) => setTimeout(r, 3.5 * T1));
    expect(call.twoXxCount).toBeGreaterThanOrEqual(3);
    await call.ack();
    expect(await inv.twoXx!.acked).toBe(true);
    const count = call.twoXxCount;
    await new Promise((r) => setTimeout(r, 4 * T1));
    // Every retransmission that raced the ACK was ACKed again; none after the ACK arrived.
    expect(call.twoXxCount - count).toBeLessThanOrEqual(1);
  });

  test('the 2xx retransmission gives up after 64·T1 without an ACK (§13.3.1.4)', async () => {
    const call = await alice.invite(bob.aor, { target: { remote: bob.address(), transport: 'udp' } });
    const inv = await bob.expect('INVITE', { within: 1000 });
    const started = performance.now();
    await inv.accept();
    expect(await inv.twoXx!.acked).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(64 * T1 * 0.9);
    expect(call.twoXxCount).toBeGreaterThanOrEqual(5);
  });

  test('an unanswered non-INVITE times out with Timer F and says so', async () => {
    const req = alice.createRequest('OPTIONS', bob.aor);
    const out = await alice.send(req, { remote: { address: '127.0.0.1', port: 9 }, transport: 'udp' });
    await expect(out.final({ within: 64 * T1 + 500 })).rejects.toThrow(/Timer F|received instead|nothing else/);
  });
});
