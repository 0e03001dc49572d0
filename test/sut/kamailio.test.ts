/**
 * Kamailio 5.6 as the managed SUT (scenarios/targets/kamailio): started from its profile on free loopback ports,
 * then driven message by message with raw UDP/TCP peers over loopback. Verifies the set-up the conformance checks
 * rely on: OPTIONS readiness, REGISTER, INVITE/200/ACK end to end, RFC 5626 outbound flows and 430 failover (with
 * Kamailio as edge proxy, and with the harness as edge in front of its registrar), 483, 404, and a clean stop.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import path from 'node:path';
import {
  DigestClient,
  newCallId,
  newTag,
  NameAddr,
  Params,
  parseChallenge,
  parseUri,
  createRequest,
  SipRequest,
  SipResponse,
} from '../../src/sip';
import { ManagedSut, SutStartError, startManagedSut } from '../../src/sut/managed';
import { probeOptions } from '../../src/sut/options-probe';
import { loadProfile } from '../../src/sut/profile';
import { TcpFlow, UdpPeer, ackFor2xx, answer, invite, outboundRegister, plainRegister } from './raw-peer';

const PROFILE = path.join(__dirname, '../../scenarios/targets/kamailio/profile.yaml');
const DOMAIN = '127.0.0.1';
const uniq = () => newTag().slice(0, 8);

let sut: ManagedSut;
const closers: Array<{ close(): void }> = [];
function track<T extends { close(): void }>(p: T): T {
  closers.push(p);
  return p;
}

beforeAll(async () => {
  const profile = await loadProfile(PROFILE);
  sut = await startManagedSut(profile);
}, 15000);

afterEach(() => {
  for (const c of closers.splice(0)) c.close();
});

afterAll(async () => {
  await sut?.stop();
});

/** Registers `user` over UDP through the edge; returns the peer that now receives the user's calls. */
async function registerUdp(user: string): Promise<UdpPeer> {
  const peer = track(await UdpPeer.open(user));
  const callId = newCallId();
  peer.send(plainRegister(peer, { user, domain: DOMAIN, callId }), sut.address!);
  const ok = await peer.response(callId, 'REGISTER');
  expect(ok.msg.isRequest ? 0 : (ok.msg as SipResponse).status).toBe(200);
  return peer;
}

/** Both outbound flows of one instance, registered through the edge over TCP (reg-id 1 and 2, a Call-ID each). */
async function registerTwoFlows(user: string) {
  const instance = `urn:uuid:${crypto.randomUUID()}`;
  const flows: TcpFlow[] = [];
  const oks: SipResponse[] = [];
  for (const regId of [1, 2]) {
    const flow = track(await TcpFlow.connect(`${user}-flow${regId}`, sut.address!));
    const callId = newCallId();
    flow.send(outboundRegister(flow, { user, domain: DOMAIN, to: sut.address!, instance, regId, callId, cseq: 1 }));
    oks.push((await flow.response(callId, 'REGISTER')).msg as SipResponse);
    flows.push(flow);
  }
  return { flows, oks, instance };
}

/** Callee side of a call: answer INVITE with 200 on whichever peer it arrives at, expect the ACK end to end. */
function autoAnswerInvites(peer: UdpPeer | TcpFlow, user: string) {
  peer.autoAnswer = (req: SipRequest) =>
    req.method === 'INVITE'
      ? answer(req, 200, peer.contact(user))
      : req.method === 'BYE'
        ? answer(req, 200, peer.contact(user))
        : undefined;
}

describe('Kamailio managed SUT (scenarios/targets/kamailio)', () => {
  test('answers the OPTIONS probe on the edge and the registrar port, UDP and TCP (RFC 3261 §11)', async () => {
    for (const target of [sut.address!, sut.registrar!]) {
      for (const t of ['udp', 'tcp'] as const) {
        const r = await probeOptions(target, t, 2000);
        expect(r).toMatchObject({ ok: true, status: 200 });
        if (r.ok) expect(r.server).toMatch(/kamailio/);
      }
    }
    expect(sut.address!.port).not.toBe(sut.registrar!.port);
  });

  test('REGISTER through the edge → 200 with the binding (RFC 3261 §10.3)', async () => {
    const peer = track(await UdpPeer.open('reg'));
    const user = `reg-${uniq()}`;
    const callId = newCallId();
    peer.send(plainRegister(peer, { user, domain: DOMAIN, callId, expires: 300 }), sut.address!);
    const res = (await peer.response(callId, 'REGISTER')).msg as SipResponse;
    expect(res.status).toBe(200);
    expect(res.contacts).toHaveLength(1);
    expect(res.contacts[0]!.uri.toString()).toBe(peer.contact(user).uri.toString());
    expect(Number(res.contacts[0]!.params.get('expires'))).toBeGreaterThan(290);
    // The ctl socket in the runtime dir answers kamcmd (bindings readable for diagnostics).
    const dump = execFileSync('kamcmd', ['-s', `unix:${sut.runDir}/kamailio_ctl`, 'ul.lookup', 'location', user], {
      encoding: 'utf8',
      timeout: 3000,
    });
    expect(dump).toContain(`sip:${user}@127.0.0.1:${peer.local.port}`);
  });

  test('REGISTER with Expires below min_expires → 423 with Min-Expires: 60 (RFC 3261 §10.3 step 7)', async () => {
    const peer = track(await UdpPeer.open('brief'));
    const callId = newCallId();
    peer.send(plainRegister(peer, { user: `brief-${uniq()}`, domain: DOMAIN, callId, expires: 1 }), sut.address!);
    const res = (await peer.response(callId, 'REGISTER')).msg as SipResponse;
    expect(res.status).toBe(423);
    expect(res.get('min-expires')).toBe(String(sut.profile.minExpires));
  });

  test('known deviation (profile expectedFailures REGISTER-REMOVE-ALL): Contact: * through the edge → 200 but the binding stays; at the registrar port it goes (RFC 3261 §10.3 step 6)', async () => {
    expect(sut.profile.expectedFailures.map((f) => f.check)).toContain('REGISTER-REMOVE-ALL');
    const remaining: Record<string, number> = {};
    for (const [label, target] of [
      ['edge', sut.address!],
      ['registrar', sut.registrar!],
    ] as const) {
      const peer = track(await UdpPeer.open(`star-${label}`));
      const user = `star-${label}-${uniq()}`;
      const callId = newCallId();
      const send = async (cseq: number, edit: (r: SipRequest) => void, expires?: number) => {
        const reg = plainRegister(peer, { user, domain: DOMAIN, callId, cseq, expires });
        edit(reg);
        peer.send(reg, target);
        return (
          await peer.next(
            (m) => !m.isRequest && m.callId === callId && m.cseq.seq === cseq && m.status >= 200,
            3000,
            `REGISTER ${cseq}`,
          )
        ).msg as SipResponse;
      };
      expect((await send(1, () => undefined)).status).toBe(200);
      expect((await send(2, (r) => r.set('Contact', '*'), 0)).status).toBe(200);
      remaining[label] = (await send(3, (r) => r.remove('Contact'))).contacts.length;
    }
    // If Kamailio ever removes the binding here too, drop the expected failure from the profiles.
    expect(remaining).toEqual({ edge: 1, registrar: 0 });
  });

  test('INVITE → 200 → ACK end to end through edge and registrar, ACK via Record-Route (RFC 3261 §13.2.2.4, §16.12)', async () => {
    const bob = await registerUdp(`bob-${uniq()}`);
    const bobUser = bob.name;
    autoAnswerInvites(bob, bobUser);
    const alice = track(await UdpPeer.open('alice'));
    const callId = newCallId();
    const inv = invite(alice, { from: 'alice', to: bobUser, domain: DOMAIN, callId });
    alice.send(inv, sut.address!);

    const atBob = (await bob.request('INVITE')).msg as SipRequest;
    expect(atBob.callId).toBe(callId);
    expect(atBob.maxForwards).toBeLessThan(70);
    const ok = (await alice.response(callId, 'INVITE')).msg as SipResponse;
    expect(ok.status).toBe(200);
    expect(ok.recordRoutes.length).toBeGreaterThan(0);

    const ack = ackFor2xx(alice, inv, ok);
    alice.send(ack, sut.address!);
    const ackAtBob = (await bob.request('ACK')).msg as SipRequest;
    expect(ackAtBob.callId).toBe(callId);
    expect(ackAtBob.cseq).toEqual({ seq: inv.cseq.seq, method: 'ACK' });

    const bye = createRequest({
      method: 'BYE',
      uri: ok.contacts[0]!.uri,
      via: alice.via(),
      from: inv.from,
      to: ok.to,
      callId,
      cseq: 2,
      routes: [...ok.recordRoutes].reverse(),
    });
    alice.send(bye, sut.address!);
    expect(((await alice.response(callId, 'BYE')).msg as SipResponse).status).toBe(200);
  });

  test('Max-Forwards: 0 → 483 (RFC 3261 §16.3 item 3); unknown user → 404', async () => {
    const alice = track(await UdpPeer.open('alice'));
    const c1 = newCallId();
    alice.send(
      invite(alice, { from: 'alice', to: 'nobody', domain: DOMAIN, callId: c1, maxForwards: 0 }),
      sut.address!,
    );
    expect(((await alice.response(c1, 'INVITE')).msg as SipResponse).status).toBe(483);
    const c2 = newCallId();
    alice.send(invite(alice, { from: 'alice', to: `nobody-${uniq()}`, domain: DOMAIN, callId: c2 }), sut.address!);
    expect(((await alice.response(c2, 'INVITE')).msg as SipResponse).status).toBe(404);
  });

  test('two outbound TCP flows (reg-id 1 and 2) → 200 with Require: outbound and both bindings (RFC 5626 §5.2, §6)', async () => {
    const { oks } = await registerTwoFlows(`ob-${uniq()}`);
    for (const ok of oks) {
      expect(ok.status).toBe(200);
      expect(ok.optionTags('require')).toContain('outbound');
      expect(ok.get('flow-timer')).toBe('25');
    }
    const regIds = oks[1]!.contacts.map((c) => c.params.get('reg-id')).sort();
    expect(regIds).toEqual(['1', '2']);
  });

  test('flow that got the INVITE dies → the next INVITE arrives on the other flow, caller sees 100 then 200 (RFC 5626 §5.3)', async () => {
    const user = `fo-${uniq()}`;
    const { flows } = await registerTwoFlows(user);
    for (const f of flows) autoAnswerInvites(f, user);
    const alice = track(await UdpPeer.open('alice'));

    // Call 1: both flows alive; note which flow Kamailio picks.
    const c1 = newCallId();
    alice.send(invite(alice, { from: 'alice', to: user, domain: DOMAIN, callId: c1 }), sut.address!);
    expect(((await alice.response(c1, 'INVITE')).msg as SipResponse).status).toBe(200);
    const gotCall1 = flows.map((f) =>
      f.inbox.some((r) => r.msg.isRequest && r.msg.method === 'INVITE' && r.msg.callId === c1),
    );
    expect(gotCall1.filter(Boolean)).toHaveLength(1); // one flow per instance at a time (RFC 5626 §5.3)
    const first = gotCall1.indexOf(true);

    // Kill that flow; call 2 must fail over to the other flow of the same instance.
    flows[first]!.close();
    const survivor = flows[1 - first]!;
    await new Promise((r) => setTimeout(r, 50));
    const c2 = newCallId();
    const sentAt = performance.now();
    alice.send(invite(alice, { from: 'alice', to: user, domain: DOMAIN, callId: c2 }), sut.address!);
    const arrived = await survivor.next(
      (m) => m.isRequest && m.method === 'INVITE' && m.callId === c2,
      5000,
      'INVITE on the surviving flow',
    );
    const failoverMs = arrived.at - sentAt;
    const final = (await alice.response(c2, 'INVITE')).msg as SipResponse;
    expect(final.status).toBe(200);
    const statuses = alice.inbox
      .filter((r) => !r.msg.isRequest && r.msg.callId === c2)
      .map((r) => (r.msg as SipResponse).status);
    expect(statuses).toContain(100);
    expect(statuses.every((s) => s === 100)).toBe(true); // no 430/480 leaked to the caller
    expect(failoverMs).toBeLessThan(2000);

    // The registrar dropped the dead flow's binding (it unregisters on 430): a query lists only the survivor.
    const q = newCallId();
    const query = outboundRegister(survivor, {
      user,
      domain: DOMAIN,
      to: sut.address!,
      instance: 'unused',
      regId: 9,
      callId: q,
      cseq: 1,
    });
    query.remove('Contact');
    survivor.send(query);
    const listing = (await survivor.response(q, 'REGISTER')).msg as SipResponse;
    expect(listing.status).toBe(200);
    expect(listing.contacts.map((c) => c.params.get('reg-id'))).toEqual([first === 0 ? '2' : '1']);
  });

  test('CANCEL of a ringing INVITE reaches the callee; caller gets 200 (CANCEL) and 487 (RFC 3261 §9.2, §16.10)', async () => {
    const user = `cx-${uniq()}`;
    const bob = await registerUdp(user);
    const bobTag = newTag();
    bob.autoAnswer = (req) => (req.method === 'INVITE' ? answer(req, 180, bob.contact(user), bobTag) : undefined);
    const alice = track(await UdpPeer.open('alice'));
    const c = newCallId();
    const inv = invite(alice, { from: 'alice', to: user, domain: DOMAIN, callId: c });
    alice.send(inv, sut.address!);
    const atBob = (await bob.request('INVITE')).msg as SipRequest;
    await alice.next((m) => !m.isRequest && m.callId === c && m.status === 180, 3000, '180');
    // §9.1: CANCEL copies Request-URI, Call-ID, To, From, CSeq number and the top Via of the INVITE.
    const cancel = createRequest({
      method: 'CANCEL',
      uri: inv.uriText,
      via: inv.topVia,
      from: inv.from,
      to: inv.to,
      callId: c,
      cseq: inv.cseq.seq,
    });
    alice.send(cancel, sut.address!);
    const cancelAtBob = (await bob.request('CANCEL')).msg as SipRequest;
    expect(cancelAtBob.topVia.branch).toBe(atBob.topVia.branch);
    bob.send(answer(cancelAtBob, 200, bob.contact(user)), sut.address!);
    bob.send(answer(atBob, 487, bob.contact(user), bobTag), sut.address!);
    expect(((await alice.response(c, 'CANCEL')).msg as SipResponse).status).toBe(200);
    expect(((await alice.response(c, 'INVITE')).msg as SipResponse).status).toBe(487);
  });

  test('a flow that stays silent: the edge answers 430 after its timer, the next flow gets the INVITE (RFC 5626 §5.3)', async () => {
    const user = `mute-${uniq()}`;
    const { flows } = await registerTwoFlows(user);
    const alice = track(await UdpPeer.open('alice'));
    const c = newCallId();
    const sentAt = performance.now();
    alice.send(invite(alice, { from: 'alice', to: user, domain: DOMAIN, callId: c }), sut.address!);
    // Neither flow answers the first try; whichever gets it stays silent.
    const firstTry = await Promise.any(
      flows.map((f, i) => f.next((m) => m.isRequest && m.callId === c, 3000, 'INVITE').then(() => i)),
    );
    const other = flows[1 - firstTry]!;
    autoAnswerInvites(other, user);
    const second = await other.next(
      (m) => m.isRequest && m.method === 'INVITE' && m.callId === c,
      8000,
      'INVITE after the silent flow',
    );
    const waitedMs = second.at - sentAt;
    expect(waitedMs).toBeGreaterThan(3000); // the edge's fr_timer (vars.frTimer = 4000 ms)
    expect(waitedMs).toBeLessThan(6000);
    expect(((await alice.response(c, 'INVITE')).msg as SipResponse).status).toBe(200);
  }, 12000);

  test('CRLF keep-alive: a double-CRLF ping on a flow gets a CRLF pong (RFC 5626 §4.4.1, §5.4)', async () => {
    const { flows } = await registerTwoFlows(`ka-${uniq()}`);
    flows[0]!.ping();
    const deadline = performance.now() + 2000;
    while (flows[0]!.pongs === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(flows[0]!.pongs).toBe(1);
  });

  test('STUN binding request on the edge UDP port → binding success (RFC 5626 §4.4.2, §8; RFC 5389)', async () => {
    const sock = dgram.createSocket('udp4');
    closers.push({ close: () => sock.close() });
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
    const txid = randomBytes(12);
    const req = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), txid]);
    const answer = new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no STUN answer within 2000 ms')), 2000);
      sock.once('message', (m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
    sock.send(req, sut.address!.port, sut.address!.address);
    const res = await answer;
    expect(res.readUInt16BE(0)).toBe(0x0101); // Binding Success Response
    expect(res.subarray(8, 20).equals(txid)).toBe(true);
  });

  test('an in-dialog request whose Route carries a tampered flow token → 403 (RFC 5626 §5.3)', async () => {
    // A real token (from the Path of an outbound registration) with one character changed.
    const { oks } = await registerTwoFlows(`tamper-${uniq()}`);
    const token = oks[0]!.paths[0]!.sipUri!.user!;
    const i = Math.floor(token.length / 2);
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    const alice = track(await UdpPeer.open('alice'));
    const c = newCallId();
    const bye = createRequest({
      method: 'BYE',
      uri: 'sip:bob@127.0.0.1:9',
      via: alice.via(),
      from: new NameAddr(parseUri('sip:alice@127.0.0.1'), undefined, Params.parse(`tag=${newTag()}`)),
      to: new NameAddr(parseUri('sip:bob@127.0.0.1'), undefined, Params.parse(`tag=${newTag()}`)),
      callId: c,
      cseq: 2,
      routes: [new NameAddr(parseUri(`sip:${tampered}@127.0.0.1:${sut.address!.port};lr;ob`))],
    });
    alice.send(bye, sut.address!);
    expect(((await alice.response(c, 'BYE')).msg as SipResponse).status).toBe(403);
  });

  test('both flows dead → caller gets 480 (allFlowsFailedStatus, RFC 5626 §5.3)', async () => {
    const user = `dead-${uniq()}`;
    const { flows } = await registerTwoFlows(user);
    for (const f of flows) f.close();
    await new Promise((r) => setTimeout(r, 50));
    const alice = track(await UdpPeer.open('alice'));
    const c = newCallId();
    alice.send(invite(alice, { from: 'alice', to: user, domain: DOMAIN, callId: c }), sut.address!);
    expect(((await alice.response(c, 'INVITE', true, 5000)).msg as SipResponse).status).toBe(
      sut.profile.allFlowsFailedStatus,
    );
  });

  test('registrar port with the harness as edge: INVITE follows Path, a 430 from the edge → next flow (RFC 5626 §5.3, RFC 3327)', async () => {
    const user = `edge-${uniq()}`;
    const edge = track(await UdpPeer.open('harness-edge'));
    const ua = track(await UdpPeer.open('ua')); // the UA's contact; never contacted directly (Path routes via edge)
    const instance = `urn:uuid:${crypto.randomUUID()}`;
    for (const regId of [1, 2]) {
      const callId = newCallId();
      const reg = outboundRegister(ua, { user, domain: DOMAIN, to: sut.registrar!, instance, regId, callId, cseq: 1 });
      // As an edge proxy would (§5.1): our Via on top, and a Path with our flow token and ;ob.
      reg.prepend('Via', edge.via().toString());
      reg.append('Path', `<sip:flow${regId}@${edge.local.address}:${edge.local.port};lr;ob>`);
      edge.send(reg, sut.registrar!);
      const ok = (await edge.response(callId, 'REGISTER')).msg as SipResponse;
      expect(ok.status).toBe(200);
      expect(ok.optionTags('require')).toContain('outbound');
    }

    const alice = track(await UdpPeer.open('alice'));
    const c = newCallId();
    alice.send(invite(alice, { from: 'alice', to: user, domain: DOMAIN, callId: c }), sut.registrar!);
    const firstTry = (await edge.request('INVITE')).msg as SipRequest;
    const firstToken = firstTry.routes[0]!.sipUri!.user!;
    expect(firstTry.routes[0]!.params.has('lr') || firstTry.routes[0]!.sipUri!.params.has('lr')).toBe(true);
    expect(['flow1', 'flow2']).toContain(firstToken);
    edge.send(createResponseFor(firstTry, 430), { address: sut.registrar!.address, port: sut.registrar!.port });
    const secondTry = (await edge.request('INVITE')).msg as SipRequest;
    expect(secondTry.routes[0]!.sipUri!.user).toBe(firstToken === 'flow1' ? 'flow2' : 'flow1');
    edge.send(answer(secondTry, 200, ua.contact(user)), { address: sut.registrar!.address, port: sut.registrar!.port });
    expect(((await alice.response(c, 'INVITE')).msg as SipResponse).status).toBe(200);
  });
});

function createResponseFor(req: SipRequest, status: number): SipResponse {
  return answer(req, status, new NameAddr(parseUri('sip:unused@127.0.0.1'), undefined, new Params()));
}

describe('Kamailio with Digest (scenarios/targets/kamailio/profile-auth.yaml)', () => {
  test('REGISTER → 401 (qop=auth); the digest answer → 200; a wrong password → 401 again; the password stays out of the log (RFC 3261 §22.4)', async () => {
    const password = `pw-${uniq()}`;
    const profile = await loadProfile(path.join(__dirname, '../../scenarios/targets/kamailio/profile-auth.yaml'), {
      ...process.env,
      SIPCONF_KAMAILIO_PASSWORD: password,
    });
    expect(profile.secrets).toEqual([password]);
    const authSut = await startManagedSut(profile);
    try {
      const peer = track(await UdpPeer.open('auth'));
      const user = `auth-${uniq()}`;
      const callId = newCallId();
      const attempt = async (cseq: number, auth?: { value: string }) => {
        const reg = plainRegister(peer, { user, domain: DOMAIN, callId, cseq });
        if (auth) reg.append('Authorization', auth.value);
        peer.send(reg, authSut.address!);
        return (
          await peer.next(
            (m) => !m.isRequest && m.callId === callId && m.cseq.seq === cseq && m.status >= 200,
            3000,
            `final response to REGISTER ${cseq}`,
          )
        ).msg as SipResponse;
      };
      const challenge = await attempt(1);
      expect(challenge.status).toBe(401);
      const c = parseChallenge(challenge.get('www-authenticate')!);
      expect(c.realm).toBe(DOMAIN);
      expect(c.qop).toContain('auth');
      const ok = await attempt(2, {
        value: new DigestClient({ username: 'sipconf', password }).authorize(c, 'REGISTER', `sip:${DOMAIN}`),
      });
      expect(ok.status).toBe(200);
      const again = await attempt(3);
      const wrong = await attempt(4, {
        value: new DigestClient({ username: 'sipconf', password: 'not-it' }).authorize(
          parseChallenge(again.get('www-authenticate')!),
          'REGISTER',
          `sip:${DOMAIN}`,
        ),
      });
      expect(wrong.status).toBe(401);
    } finally {
      await authSut.stop();
    }
    expect(await authSut.readLog()).not.toContain(password);
  });
});

describe('Kamailio stop', () => {
  test('stop() ends the whole process group and leaves no Kamailio process behind', async () => {
    const profile = await loadProfile(PROFILE);
    const own = await startManagedSut(profile);
    const pgid = own.pid;
    const members = () => {
      try {
        return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter(Boolean);
      } catch {
        return [];
      }
    };
    expect(members().length).toBeGreaterThan(1); // Kamailio's workers share the group
    await own.stop();
    expect(own.exited).toBe(true);
    expect(members()).toEqual([]);
    expect(await own.readLog()).toMatch(/kamailio|INFO|NOTICE/);
  });
});

describe('a managed Kamailio that cannot start', () => {
  test('a broken config exits → SutStartError quoting its own error lines', async () => {
    const profile = await loadProfile(path.join(__dirname, '../fixtures/profiles/broken-kamailio/profile.yaml'), {});
    const e = await startManagedSut(profile).then(
      async (sut) => {
        await sut.stop();
        return new Error('the broken Kamailio started');
      },
      (err: Error) => err,
    );
    expect(e).toBeInstanceOf(SutStartError);
    expect(e.message.split('\n')[0]).toMatch(/^kamailio-broken-config exited with code \d+ before it was ready$/);
    expect((e as SutStartError).logExcerpt).toMatch(/no_such_module_sipconf/);
  });
});
