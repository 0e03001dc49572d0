/**
 * The reference SUT as a presence notifier (RFC 6665, RFC 3856) and as a proxy for SUBSCRIBE between agents, played
 * against the harness's Subscription (subscriber) and Notifier classes over real loopback sockets.
 */
import { Notifier } from '../../src/agent/notifier';
import { Registrant } from '../../src/agent/registrant';
import { SipAgent } from '../../src/agent/sip-agent';
import { Subscription } from '../../src/agent/subscription';
import type { TransportProtocol } from '../../src/transport/types';
import { T1, World, world } from './reference-support';

describe.each<TransportProtocol>(['udp', 'tcp'])('reference SUT as a presence notifier over %s', (transport) => {
  let w: World;
  let alice: SipAgent;
  beforeEach(async () => {
    w = await world();
    alice = await w.agent('alice', [transport]);
  });
  afterEach(async () => w.close());
  const target = () => ({ remote: w.sut.address(transport), transport });
  const presentity = () => `sip:carol-presence@${w.sut.domain}`;

  test('SUBSCRIBE → 200 with To tag and Expires ≤ asked → NOTIFY active;expires → refresh → unsubscribe → terminated (RFC 6665 §4.1.2, §4.2.2)', async () => {
    const sub = await Subscription.subscribe(alice, presentity(), { target: target(), event: 'presence', expires: 30 });
    const ok = (await sub.final({ within: 1000 })).message;
    expect(ok.status).toBe(200);
    expect(ok.to.tag).toBeTruthy();
    expect(ok.expires).toBe(30);
    const n1 = await sub.expectNotify({ within: 1000 });
    expect(n1.problem).toBeUndefined();
    expect(n1.state).toMatchObject({ state: 'active' });
    expect(n1.state!.expires).toBeLessThanOrEqual(30);
    expect(n1.request.get('content-type')).toBe('application/pidf+xml');
    expect(n1.body).toContain('<basic>open</basic>');
    await n1.incoming.respond(200);

    const refresh = await sub.refresh(20);
    expect((await refresh.final({ within: 1000 })).message.status).toBe(200);
    expect(refresh.request.cseq.seq).toBeGreaterThan(sub.initial.cseq.seq);
    const n2 = await sub.expectNotify({ within: 1000 });
    expect(n2.state).toMatchObject({ state: 'active' });
    expect(n2.state!.expires).toBeLessThanOrEqual(20);
    await n2.incoming.respond(200);

    const un = await sub.unsubscribe();
    expect((await un.final({ within: 1000 })).message.status).toBe(200);
    const n3 = await sub.expectNotify({ within: 1000 });
    expect(n3.state).toMatchObject({ state: 'terminated' });
    await n3.incoming.respond(200);
    // The subscription is gone: a refresh in its dialog now gets 481 (RFC 6665 §4.1.2.2).
    const late = await sub.refresh(20);
    expect((await late.final({ within: 1000 })).message.status).toBe(481);
  });

  test('expiry without refresh: NOTIFY terminated;reason=timeout (RFC 6665 §4.2.2)', async () => {
    const sub = await Subscription.subscribe(alice, presentity(), { target: target(), event: 'presence', expires: 1 });
    expect((await sub.final({ within: 1000 })).message.status).toBe(200);
    await (await sub.expectNotify({ within: 1000 })).incoming.respond(200);
    const end = await sub.expectNotify({ within: 2500 });
    expect(end.state).toEqual({ state: 'terminated', reason: 'timeout' });
    await end.incoming.respond(200);
  });

  test('unknown event package → 489 with Allow-Events (RFC 6665 §4.2.1.1)', async () => {
    const sub = await Subscription.subscribe(alice, presentity(), { target: target(), event: 'no-such-pkg' });
    const res = (await sub.final({ within: 1000 })).message;
    expect(res.status).toBe(489);
    expect(res.get('allow-events')).toBe('presence');
  });

  test('a 481 to the NOTIFY ends the subscription: no NOTIFY at expiry (RFC 6665 §4.2.2)', async () => {
    const sub = await Subscription.subscribe(alice, presentity(), { target: target(), event: 'presence', expires: 1 });
    expect((await sub.final({ within: 1000 })).message.status).toBe(200);
    await (await sub.expectNotify({ within: 1000 })).incoming.respond(481);
    await sub.expectNoNotify(1500);
  });

  if (transport === 'udp')
    test('an unanswered NOTIFY is retransmitted over UDP (Timer E, RFC 3261 §17.1.2.2)', async () => {
      const sub = await Subscription.subscribe(alice, presentity(), { target: target(), event: 'presence' });
      expect((await sub.final({ within: 1000 })).message.status).toBe(200);
      const first = await sub.expectNotify({ within: 1000 });
      await new Promise((r) => setTimeout(r, 3 * T1));
      const copies = w.trace.entries.filter(
        (e) => e.direction === 'out' && e.agent === 'sut' && /^NOTIFY /.test(e.data.toString('latin1')),
      );
      expect(copies.length).toBeGreaterThanOrEqual(2);
      await first.incoming.respond(200);
    });
});

describe('reference SUT: digest on SUBSCRIBE when users are configured (RFC 6665 §4.2.1.3, RFC 3261 §22.2)', () => {
  let w: World;
  afterEach(async () => w.close());

  test('401 with WWW-Authenticate, then 200 to the authorized retry', async () => {
    w = await world({ users: [{ user: 'alice', password: 'secret' }] });
    const alice = await w.agent('alice');
    const sub = await Subscription.subscribe(alice, `sip:dave@${w.sut.domain}`, {
      target: { remote: w.sut.address('udp'), transport: 'udp' },
      event: 'presence',
      expires: 10,
      credentials: { username: 'alice', password: 'secret' },
    });
    const res = (await sub.final({ within: 1000 })).message;
    expect(res.status).toBe(200);
    expect(sub.last.challenge?.status).toBe(401);
    expect(sub.last.challenge?.get('www-authenticate')).toMatch(/^Digest /);
    await (await sub.expectNotify({ within: 1000 })).incoming.respond(200);
  });
});

describe('reference SUT proxies SUBSCRIBE to a registered notifier (RFC 6665 §4.3, RFC 3261 §16.6)', () => {
  let w: World;
  afterEach(async () => w.close());

  test('Record-Route on SUBSCRIBE; NOTIFY, refresh and unsubscribe follow the route set through the proxy', async () => {
    w = await world();
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    const sutTarget = { remote: w.sut.address('udp'), transport: 'udp' as const };
    expect((await new Registrant(bob, { registrar: sutTarget }).register()).message.status).toBe(200);
    const sub = await Subscription.subscribe(alice, bob.aor, { target: sutTarget, event: 'presence', expires: 60 });
    const inc = await bob.expect('SUBSCRIBE', { within: 1000 });
    expect(inc.request.recordRoutes.length).toBeGreaterThanOrEqual(1);
    const notifier = await Notifier.accept(inc, { expires: 30 });
    const ok = (await sub.final({ within: 1000 })).message;
    expect(ok.status).toBe(200);
    expect(ok.expires).toBe(30);
    const out = await notifier.notify({ state: 'active', body: 'x', contentType: 'text/plain' });
    const n = await sub.expectNotify({ within: 1000 });
    expect(n.request.vias).toHaveLength(2); // via the proxy
    expect(n.state).toMatchObject({ state: 'active' });
    await n.incoming.respond(200);
    expect((await out.final({ within: 1000 })).message.status).toBe(200);
    const un = await sub.unsubscribe();
    const got = await notifier.expectRefresh({ within: 1000 });
    expect(got.request.vias).toHaveLength(2);
    expect(got.request.expires).toBe(0);
    await notifier.acceptRefresh(got);
    expect((await un.final({ within: 1000 })).message.status).toBe(200);
  });
});
