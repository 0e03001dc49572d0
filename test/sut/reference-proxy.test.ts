import { Registrant } from '../../src/agent/registrant';
import { SipAgent } from '../../src/agent/sip-agent';
import type { TransportProtocol } from '../../src/transport/types';
import { T1, World, sleep, world } from './reference-support';

describe.each<TransportProtocol>(['udp', 'tcp'])(
  'reference SUT as a stateful proxy over %s (RFC 3261 §16)',
  (transport) => {
    let w: World;
    let alice: SipAgent;
    let bob: SipAgent;

    beforeEach(async () => {
      w = await world();
      alice = await w.agent('alice', [transport]);
      bob = await w.agent('bob', [transport]);
      const reg = new Registrant(bob, { registrar: { remote: w.sut.address(transport), transport } });
      expect((await reg.register()).message.status).toBe(200);
    });
    afterEach(async () => w.close());

    const sutTarget = () => ({ remote: w.sut.address(transport), transport });

    test('INVITE → 180 → 200 → ACK → BYE through the proxy, with Record-Route and the ACK end to end (§16.6, §16.11, §13.2.2.4)', async () => {
      const call = await alice.invite(bob.aor, { target: sutTarget() });
      const inv = await bob.expect('INVITE', { within: 2000 });
      expect(inv.request.uri.toString()).toContain(`${bob.address(transport).port}`);
      expect(inv.request.recordRoutes.length).toBeGreaterThanOrEqual(1);
      expect(inv.request.recordRoutes[0]!.sipUri!.params.has('lr')).toBe(true);
      expect(inv.request.vias).toHaveLength(2);
      expect(inv.request.maxForwards).toBe(69);
      await inv.respond(180);
      await call.expectResponse(180, { within: 1000 });
      await inv.accept();
      const ok = await call.expectResponse(200, { within: 1000 });
      expect(ok.message.recordRoutes.length).toBeGreaterThanOrEqual(1);
      expect(ok.message.vias).toHaveLength(1);
      await call.ack();
      const ack = await bob.expect('ACK', { within: 1000 });
      expect(ack.request.callId).toBe(call.request.callId);
      expect(ack.request.vias).toHaveLength(2); // it went through the proxy (Record-Route), statelessly
      expect(await inv.twoXx!.acked).toBe(true);
      const bye = await call.bye();
      const gotBye = await bob.expect('BYE', { within: 1000 });
      expect(gotBye.request.vias).toHaveLength(2);
      await gotBye.respond(200);
      expect((await bye.final({ within: 1000 })).message.status).toBe(200);
    });

    test('the callee can BYE through the proxy too (§16.12, Record-Route)', async () => {
      const call = await alice.invite(bob.aor, { target: sutTarget() });
      const inv = await bob.expect('INVITE', { within: 2000 });
      await inv.accept();
      await call.expectResponse(200, { within: 1000 });
      await call.ack();
      await bob.expect('ACK', { within: 1000 });
      const bye = await inv.sendInDialog('BYE');
      const gotBye = await alice.expect('BYE', { within: 1000 });
      expect(gotBye.request.vias).toHaveLength(2);
      await gotBye.respond(200);
      expect((await bye.final({ within: 1000 })).message.status).toBe(200);
    });

    test('486 is ACKed hop by hop (same branch as the INVITE the callee got) and forwarded (§16.7, §17.1.1.3)', async () => {
      const call = await alice.invite(bob.aor, { target: sutTarget() });
      const inv = await bob.expect('INVITE', { within: 2000 });
      const acked = new Promise<string>((resolve) => inv.tx!.once('ack', (rx) => resolve(rx.message.topVia.branch)));
      await inv.respond(486);
      expect((await call.final({ within: 1000 })).message.status).toBe(486);
      expect(await acked).toBe(inv.request.topVia.branch);
    });

    test('CANCEL → 200, the branch is cancelled and the caller gets 487 (§16.10, §9.2)', async () => {
      const call = await alice.invite(bob.aor, { target: sutTarget() });
      const inv = await bob.expect('INVITE', { within: 2000 });
      await inv.respond(180);
      await call.expectResponse(180, { within: 1000 });
      const cancel = await call.cancel();
      expect((await cancel.final({ within: 1000 })).message.status).toBe(200);
      const gotCancel = await bob.expect('CANCEL', { within: 1000 });
      await gotCancel.respond(200);
      await inv.respond(487);
      expect((await call.final({ within: 1000 })).message.status).toBe(487);
    });

    test('Max-Forwards is decremented, and 0 → 483 Too Many Hops (§16.3 step 3, §16.6 step 3)', async () => {
      const call = await alice.invite(bob.aor, { target: sutTarget(), headers: [] });
      const inv = await bob.expect('INVITE', { within: 2000 });
      expect(inv.request.maxForwards).toBe(69);
      await inv.respond(486);
      await call.final({ within: 1000 });
      const req = alice.createRequest('MESSAGE', bob.aor, { body: 'hi', contentType: 'text/plain' });
      req.set('Max-Forwards', 0);
      const out = await alice.send(req, sutTarget());
      expect((await out.final({ within: 1000 })).message.status).toBe(483);
    });

    test('an unknown user → 404, a user whose binding is gone → 480 (§16.5, §21.4.4, §21.4.18)', async () => {
      const call = await alice.invite('sip:nobody@127.0.0.1', { target: sutTarget() });
      expect((await call.final({ within: 1000 })).message.status).toBe(404);
      const reg = new Registrant(bob, { registrar: { remote: w.sut.address(transport), transport } });
      await reg.unregisterAll();
      const call2 = await alice.invite(bob.aor, { target: sutTarget() });
      expect((await call2.final({ within: 1000 })).message.status).toBe(480);
    });
  },
);

describe('reference SUT: 2xx retransmissions (RFC 3261 §16.7, RFC 6026 §7.2)', () => {
  let w: World;
  afterEach(async () => w.close());

  test('every 2xx retransmission is forwarded while no ACK arrives', async () => {
    w = await world();
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    await new Registrant(bob, { registrar: { remote: w.sut.address(), transport: 'udp' } }).register();
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.address(), transport: 'udp' } });
    const inv = await bob.expect('INVITE', { within: 2000 });
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await sleep(7.5 * T1);
    const sent = inv.twoXx!.sends.length;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(call.twoXxCount).toBeGreaterThanOrEqual(sent - 1);
    await call.ack();
    expect(await inv.twoXx!.acked).toBe(true);
  });
});
