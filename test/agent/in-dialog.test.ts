/**
 * The agents' in-dialog capabilities (issue 17), over real loopback sockets: reliable provisional responses with
 * PRACK (RFC 3262 §3, §4) directly and through the reference proxy (the PRACK follows the early dialog's route set),
 * re-INVITE hold with the mirrored SDP answer (RFC 3264 §8.4), and the §14.1 glare delays.
 */
import { Registrant } from '../../src/agent/registrant';
import { ackReinvite, glareRetryDelay, sendInDialog } from '../../src/agent/in-dialog';
import { offers100rel, prack, sendReliableProvisional } from '../../src/agent/reliable-provisional';
import { answerDirection, directionOf, nextVersion, withDirection } from '../../src/agent/sdp-direction';
import { defaultSdp } from '../../src/agent/default-sdp';
import { SipAgent } from '../../src/agent/sip-agent';
import { ReferenceSut } from '../../src/sut/reference';

const T1 = 50;

describe('reliable provisional responses (RFC 3262)', () => {
  let alice: SipAgent;
  let bob: SipAgent;
  let sut: ReferenceSut | undefined;
  beforeEach(async () => {
    alice = await SipAgent.create({ name: 'alice', timers: { t1: T1 } });
    bob = await SipAgent.create({ name: 'bob', timers: { t1: T1 } });
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
    await sut?.close();
    sut = undefined;
  });

  test('a 183 with Require: 100rel and RSeq is retransmitted until the PRACK, which gets 200 (§3, §4)', async () => {
    const call = await alice.invite(bob.aor, {
      target: { remote: bob.address(), transport: 'udp' },
      headers: [['Supported', '100rel']],
    });
    const inv = await bob.expect('INVITE', { within: 1000 });
    expect(offers100rel(inv)).toBe(true);
    const rel = await sendReliableProvisional(inv, 183, { rseq: 7 });
    const first = await call.expectResponse(183, { within: 1000 });
    expect(first.message.get('require')).toBe('100rel');
    expect(first.message.get('rseq')).toBe('7');
    await new Promise((r) => setTimeout(r, 4 * T1)); // unanswered: retransmitted at T1, 2·T1
    expect(rel.sends.length).toBeGreaterThanOrEqual(3);
    const pr = await prack(call, first.message);
    expect(pr.request.get('rack')).toBe(`7 ${call.request.cseq.seq} INVITE`);
    expect(pr.request.cseq.seq).toBe(call.request.cseq.seq + 1);
    const got = await rel.awaitPrack(1000);
    expect(got.request.to.tag).toBe(first.message.to.tag);
    expect((await pr.final({ within: 1000 })).message.status).toBe(200);
    const sent = rel.sends.length;
    await new Promise((r) => setTimeout(r, 8 * T1));
    expect(rel.sends.length).toBe(sent); // the PRACK stopped them
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await call.ack();
  });

  test('through the reference proxy: the 183 is relayed, the PRACK follows the route set to bob', async () => {
    sut = await ReferenceSut.start({ timers: { t1: T1 } });
    const reg = new Registrant(bob, { registrar: { remote: sut.address(), transport: 'udp' } });
    expect((await reg.register(undefined, { within: 2000 })).message.status).toBe(200);
    const call = await alice.invite(bob.aor, {
      target: { remote: sut.address(), transport: 'udp' },
      headers: [['Supported', '100rel']],
    });
    const inv = await bob.expect('INVITE', { within: 2000 });
    const rel = await sendReliableProvisional(inv, 183);
    const p = await call.expectResponse(183, { within: 2000 });
    expect(p.message.recordRoutes.length).toBeGreaterThan(0);
    const pr = await prack(call, p.message);
    await rel.awaitPrack(2000);
    expect((await pr.final({ within: 2000 })).message.status).toBe(200);
    await inv.accept();
    await call.expectResponse(200, { within: 2000 });
    await call.ack();
    await bob.expect('ACK', { within: 2000 });
  });
});

describe('re-INVITE hold and glare (RFC 3261 §14, RFC 3264 §8.4)', () => {
  test('hold by re-INVITE: a=sendonly offered, a=recvonly answered, ACKed', async () => {
    const alice = await SipAgent.create({ name: 'alice', timers: { t1: T1 } });
    const bob = await SipAgent.create({ name: 'bob', timers: { t1: T1 } });
    try {
      const call = await alice.invite(bob.aor, { target: { remote: bob.address(), transport: 'udp' } });
      const inv = await bob.expect('INVITE', { within: 1000 });
      const bobDialog = await inv.accept();
      await call.expectResponse(200, { within: 1000 });
      await call.ack();
      await bob.expect('ACK', { within: 1000 });
      const offer = withDirection(nextVersion(defaultSdp(alice)), 'sendonly');
      expect(offer).toMatch(/^o=alice 1 2 /m);
      const out = await sendInDialog(alice, call.dialog!, 'INVITE', { body: offer });
      const re = await bob.expect('INVITE', { within: 1000 });
      expect(re.request.to.tag).toBe(bobDialog.localTag);
      expect(directionOf(re.request.body)).toBe('sendonly');
      await re.accept({ body: withDirection(defaultSdp(bob), answerDirection('sendonly')) });
      const ok = await out.final({ within: 1000 });
      expect(directionOf(ok.message.body)).toBe('recvonly');
      await ackReinvite(alice, call.dialog!, out.request.cseq.seq);
      const ack = await bob.expect('ACK', { within: 1000 });
      expect(ack.request.cseq.seq).toBe(out.request.cseq.seq);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('§14.1 delays: 2.1–4 s in 10 ms steps for the Call-ID owner, 0–2 s otherwise', () => {
    for (let i = 0; i < 200; i++) {
      const own = glareRetryDelay(true);
      const other = glareRetryDelay(false);
      expect(own % 10).toBe(0);
      expect(own).toBeGreaterThanOrEqual(2100);
      expect(own).toBeLessThanOrEqual(4000);
      expect(other).toBeGreaterThanOrEqual(0);
      expect(other).toBeLessThanOrEqual(2000);
    }
  });
});
