import { Registrant } from '../../src/agent/registrant';
import { SipAgent } from '../../src/agent/sip-agent';
import type { SipUri } from '../../src/sip/uri';
import { World, world } from './reference-support';

describe('reference SUT registrar (RFC 3261 §10.3)', () => {
  let w: World;
  let alice: SipAgent;
  afterEach(async () => w.close());

  async function setup(opts: Parameters<typeof world>[0] = {}): Promise<Registrant> {
    w = await world(opts);
    alice = await w.agent('alice');
    return new Registrant(alice, { registrar: { remote: w.sut.address('udp'), transport: 'udp' }, expires: 600 });
  }

  test('REGISTER → 200 with the binding, expires ≤ asked and a To tag (§10.3 step 8, §8.2.6.2)', async () => {
    const reg = await setup();
    const res = (await reg.register()).message;
    expect(res.status).toBe(200);
    expect(res.to.tag).toBeTruthy();
    expect(res.contacts).toHaveLength(1);
    expect(res.contacts[0]!.uri.toString()).toBe(reg.contact(0).uri.toString());
    const exp = Number(res.contacts[0]!.params.get('expires'));
    expect(exp).toBeGreaterThan(0);
    expect(exp).toBeLessThanOrEqual(600);
    expect(w.sut.bindings(alice.aor.toString())).toHaveLength(1);
  });

  test('a refresh keeps one binding (§10.3 step 7)', async () => {
    const reg = await setup();
    await reg.register();
    const res = (await reg.register()).message;
    expect(res.status).toBe(200);
    expect(res.contacts).toHaveLength(1);
    expect(w.sut.bindings(alice.aor.toString())).toHaveLength(1);
  });

  test('two contacts are both listed, and a query lists them without changing them (§10.3 step 8, §10.2.3)', async () => {
    const reg = await setup();
    await reg.register();
    const second = alice.contact('udp');
    (second.uri as SipUri).user = 'alice2';
    const r2 = (await reg.register(0, { contact: second })).message;
    expect(r2.status).toBe(200);
    expect(r2.contacts.map((c) => c.uri.toString()).sort()).toEqual(
      [reg.contact(0).uri.toString(), second.uri.toString()].sort(),
    );
    const q = (await reg.query()).message;
    expect(q.status).toBe(200);
    expect(q.contacts).toHaveLength(2);
    expect(w.sut.bindings(alice.aor.toString())).toHaveLength(2);
  });

  test('Expires: 0 removes the binding (§10.2.2)', async () => {
    const reg = await setup();
    await reg.register();
    const res = (await reg.unregister()).message;
    expect(res.status).toBe(200);
    expect(res.contacts).toHaveLength(0);
    expect(w.sut.bindings(alice.aor.toString())).toHaveLength(0);
  });

  test('Contact: * with Expires: 0 removes every binding (§10.2.2, §10.3 step 6)', async () => {
    const reg = await setup();
    await reg.register();
    const other = alice.contact('udp');
    (other.uri as SipUri).user = 'alice-desk';
    await reg.register(0, { contact: other });
    expect(w.sut.bindings(alice.aor.toString())).toHaveLength(2);
    const res = (await reg.unregisterAll()).message;
    expect(res.status).toBe(200);
    expect(w.sut.bindings(alice.aor.toString())).toHaveLength(0);
  });

  test('too short an expiry → 423 with Min-Expires (§10.3 step 7)', async () => {
    const reg = await setup({ minExpires: 120 });
    const res = (await reg.register(0, { expires: 30 })).message;
    expect(res.status).toBe(423);
    expect(res.get('min-expires')).toBe('120');
    expect(w.sut.bindings()).toHaveLength(0);
  });

  test('out-of-order CSeq in the same Call-ID → 500 and the binding is unchanged (§10.3 step 7)', async () => {
    const reg = await setup();
    await reg.register();
    reg.flows.get(0)!.cseq -= 2;
    const res = (await reg.register()).message;
    expect(res.status).toBe(500);
    expect(w.sut.bindings(alice.aor.toString())).toHaveLength(1);
  });

  test('with users: 401 with a digest challenge, then 200 with credentials (§10.3 step 3, §22)', async () => {
    w = await world({ users: [{ user: 'alice', password: 'wonderland' }] });
    alice = await w.agent('alice');
    const noCreds = new Registrant(alice, { registrar: { remote: w.sut.address('udp'), transport: 'udp' } });
    const challenged = (await noCreds.register()).message;
    expect(challenged.status).toBe(401);
    expect(challenged.get('www-authenticate')).toMatch(/^Digest realm="127\.0\.0\.1"/);
    const withCreds = new Registrant(alice, {
      registrar: { remote: w.sut.address('udp'), transport: 'udp' },
      credentials: { username: 'alice', password: 'wonderland' },
    });
    const ok = await withCreds.register();
    expect(ok.message.status).toBe(200);
    const wrong = new Registrant(alice, {
      registrar: { remote: w.sut.address('udp'), transport: 'udp' },
      credentials: { username: 'alice', password: 'nope' },
    });
    expect((await wrong.register()).message.status).toBe(401);
  });

  test('with the wildcard user *: any user name registers with its password, a wrong one is challenged again (§22)', async () => {
    w = await world({ users: [{ user: '*', password: 'shared-secret' }] });
    alice = await w.agent('alice');
    const good = new Registrant(alice, {
      registrar: { remote: w.sut.address('udp'), transport: 'udp' },
      credentials: { username: 'alice', password: 'shared-secret' },
    });
    expect((await good.register()).message.status).toBe(200);
    const bad = new Registrant(alice, {
      registrar: { remote: w.sut.address('udp'), transport: 'udp' },
      credentials: { username: 'alice', password: 'guess' },
    });
    expect((await bad.register()).message.status).toBe(401);
    const bob = await w.agent('bob');
    const call = await bob.invite('sip:carol@127.0.0.1', {
      target: { remote: w.sut.address('udp'), transport: 'udp' },
    });
    expect((await call.final({ within: 1000 })).message.status).toBe(404);
  });

  test('with users: an authenticated user may not register another AOR → 403 (§10.3 step 4)', async () => {
    w = await world({
      users: [
        { user: 'alice', password: 'wonderland' },
        { user: 'mallory', password: 'evil' },
      ],
    });
    alice = await w.agent('alice');
    const reg = new Registrant(alice, {
      registrar: { remote: w.sut.address('udp'), transport: 'udp' },
      credentials: { username: 'mallory', password: 'evil' },
    });
    expect((await reg.register()).message.status).toBe(403);
    expect(w.sut.bindings()).toHaveLength(0);
  });

  test('an expiry above the maximum is cut down to it (§10.3 step 7)', async () => {
    const reg = await setup({ maxExpires: 300 });
    const res = (await reg.register(0, { expires: 600 })).message;
    expect(Number(res.contacts[0]!.params.get('expires'))).toBeLessThanOrEqual(300);
  });

  test('a REGISTER for another registrar is forwarded with our Path (;ob, flow token), not bound here (§10.3 step 1, RFC 3327 §4.2, RFC 5626 §5.1)', async () => {
    w = await world();
    alice = await w.agent('alice');
    const other = await w.agent('other-registrar');
    const o = other.address('udp');
    const reg = new Registrant(alice, {
      registrar: { remote: w.sut.address('udp'), transport: 'udp' },
      requestUri: `sip:${o.address}:${o.port}`,
      outbound: { regIds: [1] },
    });
    const pending = reg.register(1, { within: 2000 });
    const got = await other.expect('REGISTER', { within: 2000 });
    const path = got.request.paths[0]!.sipUri!;
    expect(path.params.has('ob')).toBe(true);
    expect(path.params.has('lr')).toBe(true);
    expect(path.user).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(path.port).toBe(w.sut.address('udp').port);
    await got.respond(200, { headers: [['Require', 'outbound']] });
    expect((await pending).message.status).toBe(200);
    expect(w.sut.bindings()).toHaveLength(0);
  });

  test('a REGISTER with an unknown Require tag → 420 with Unsupported (§10.3 step 2, §8.2.2.3)', async () => {
    const reg = await setup();
    const res = (await reg.register(0, { headers: [['Require', 'frobnicate']] })).message;
    expect(res.status).toBe(420);
    expect(res.get('unsupported')).toBe('frobnicate');
  });

  test('OPTIONS to the SUT itself → 200 with Allow and Supported (§11.2)', async () => {
    w = await world();
    alice = await w.agent('alice');
    const a = w.sut.address('udp');
    const out = await alice.send(alice.createRequest('OPTIONS', `sip:${a.address}:${a.port}`), {
      remote: a,
      transport: 'udp',
    });
    const res = (await out.final({ within: 1000 })).message;
    expect(res.status).toBe(200);
    expect(res.get('allow')).toContain('INVITE');
    expect(res.get('supported')).toContain('outbound');
  });
});
