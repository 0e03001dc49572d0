/**
 * The harness's agents as subscriber and notifier of RFC 6665 (and the REFER implicit subscription of RFC 3515),
 * agent to agent over real loopback sockets: the notifier's NOTIFYs are retransmitted over UDP until answered
 * (Timer E, RFC 3261 §17.1.2.2), a NOTIFY that beats the 2xx creates the dialog (RFC 6665 §4.1.2.4), a 481 reaches
 * the notifier.
 */
import { Dialog } from '../../src/agent/dialog';
import { Notifier } from '../../src/agent/notifier';
import { SipAgent } from '../../src/agent/sip-agent';
import { Subscription } from '../../src/agent/subscription';
import { parseSubscriptionState } from '../../src/sip/event-headers';
import { Trace } from '../../src/transport/trace';

const T1 = 50;

describe('agent subscriber and agent notifier over UDP (RFC 6665)', () => {
  let alice: SipAgent;
  let bob: SipAgent;
  let trace: Trace;
  beforeEach(async () => {
    trace = new Trace();
    alice = await SipAgent.create({ name: 'alice', trace, timers: { t1: T1 } });
    bob = await SipAgent.create({ name: 'bob', trace, timers: { t1: T1 } });
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
  });
  const toBob = () => ({ remote: bob.address('udp'), transport: 'udp' as const });

  test('an unanswered NOTIFY is retransmitted at T1, 2·T1 … until the subscriber answers (Timer E)', async () => {
    const sub = await Subscription.subscribe(alice, bob.aor, { target: toBob(), event: 'presence', expires: 60 });
    const notifier = await Notifier.accept(await bob.expect('SUBSCRIBE', { within: 1000 }), { expires: 30 });
    expect((await sub.final({ within: 1000 })).message.expires).toBe(30);
    const out = await notifier.notify({ state: 'active', body: 'open', contentType: 'text/plain' });
    const n = await sub.expectNotify({ within: 1000 });
    await new Promise((r) => setTimeout(r, 4 * T1));
    const copies = trace.entries.filter(
      (e) => e.direction === 'out' && e.agent === 'bob' && e.data.toString('latin1').startsWith('NOTIFY '),
    );
    expect(copies.length).toBeGreaterThanOrEqual(3); // 0, T1, 3·T1
    expect(copies[1]!.mono - copies[0]!.mono).toBeGreaterThanOrEqual(T1 * 0.8);
    expect(n.state).toMatchObject({ state: 'active' });
    expect(n.state!.expires).toBeLessThanOrEqual(30);
    await n.incoming.respond(200);
    expect((await out.final({ within: 1000 })).message.status).toBe(200);
  });

  test('a NOTIFY before the 2xx creates the dialog; a 481 answer reaches the notifier (RFC 6665 §4.1.2.4, §4.1.3)', async () => {
    const sub = await Subscription.subscribe(alice, bob.aor, { target: toBob(), event: 'presence;id=7' });
    const inc = await bob.expect('SUBSCRIBE', { within: 1000 });
    // bob sends the NOTIFY first, then the 200 (same To tag), as RFC 6665 §4.1.2.4 allows.
    const tag = inc.createResponse(200).to.tag!;
    const early = Notifier.inDialog(bob, Dialog.asUas(inc.request, tag), 'presence;id=7', 60);
    const out = await early.notify({ state: 'pending' });
    const n = await sub.expectNotify({ within: 1000 });
    expect(sub.dialog).toBeDefined();
    expect(n.event).toEqual({ type: 'presence', id: '7' });
    expect(parseSubscriptionState(n.request.get('subscription-state')!)).toMatchObject({ state: 'pending' });
    await inc.respond(200, { headers: [['Expires', 60]] });
    expect((await sub.final({ within: 1000 })).message.to.tag).toBe(tag);
    expect(sub.dialog!.remoteTag).toBe(tag);
    await n.incoming.respond(481);
    expect((await out.final({ within: 1000 })).message.status).toBe(481);
  });

  test('REFER outside a dialog: 202, then sipfrag NOTIFYs of the refer event (RFC 3515 §2.4.4, §2.4.5)', async () => {
    const refer = await Subscription.refer(alice, bob.aor, { target: toBob(), referTo: '<sip:carol@127.0.0.1>' });
    const inc = await bob.expect('REFER', { within: 1000 });
    expect(inc.request.get('refer-to')).toBe('<sip:carol@127.0.0.1>');
    const notifier = await Notifier.accept(inc);
    expect((await refer.final({ within: 1000 })).message.status).toBe(202);
    await notifier.notify({
      state: 'terminated',
      reason: 'noresource',
      body: 'SIP/2.0 200 OK\r\n',
      contentType: 'message/sipfrag',
    });
    const n = await refer.expectNotify({ within: 1000 });
    expect(n.event?.type).toBe('refer');
    expect(n.state).toEqual({ state: 'terminated', reason: 'noresource' });
    expect(n.body).toBe('SIP/2.0 200 OK\r\n');
    expect(refer.ended).toBe(true);
    await n.incoming.respond(200);
  });
});
