import {
  DigestClient,
  DigestServer,
  computeDigestResponse,
  parseAuthorization,
  parseChallenge,
  selectChallenge,
} from '../../src/sip/digest';

// RFC 7616 §3.9.1: the worked example (user Mufasa, password "Circle of Life").
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  method: 'GET',
  uri: '/dir/index.html',
  nc: '00000001',
};

describe('digest authentication (RFC 7616, RFC 8760, RFC 2617)', () => {
  test('RFC 7616 §3.9.1 worked example: MD5 response 8ca523f5...', () => {
    expect(computeDigestResponse({ ...RFC7616, algorithm: 'MD5', qop: 'auth' })).toBe(
      '8ca523f5e9506fed4657c9700eebdbec',
    );
  });

  test('RFC 7616 §3.9.1 worked example: SHA-256 response 753927fa...', () => {
    expect(computeDigestResponse({ ...RFC7616, algorithm: 'SHA-256', qop: 'auth' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  test('RFC 2617 §3.5 example: MD5 qop=auth response 6629fae4...', () => {
    const r = computeDigestResponse({
      algorithm: 'MD5',
      username: 'Mufasa',
      password: 'Circle Of Life',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    expect(r).toBe('6629fae49393a05397450978507c4ef1');
  });

  test('RFC 2069 form (no qop): response = H(HA1:nonce:HA2)', () => {
    // HA1 = MD5("Mufasa:testrealm@host.com:Circle Of Life") = 939e7578ed9e3c518a452acee763bce9 (RFC 2617 §3.5 era)
    const r = computeDigestResponse({
      algorithm: 'MD5',
      username: 'Mufasa',
      password: 'Circle Of Life',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
    });
    expect(r).toBe('670fd8c2df070c60b045671b8b24ff02');
  });

  test('-sess variants fold nonce and cnonce into HA1 (RFC 7616 §3.4.2), so they differ from the plain ones', () => {
    const base = { ...RFC7616, qop: 'auth' as const };
    const md5 = computeDigestResponse({ ...base, algorithm: 'MD5' });
    const md5sess = computeDigestResponse({ ...base, algorithm: 'MD5-sess' });
    expect(md5sess).toMatch(/^[0-9a-f]{32}$/);
    expect(md5sess).not.toBe(md5);
    expect(computeDigestResponse({ ...base, algorithm: 'SHA-256-sess' })).toMatch(/^[0-9a-f]{64}$/);
    expect(computeDigestResponse({ ...base, algorithm: 'SHA-512-256' })).toMatch(/^[0-9a-f]{64}$/);
  });

  test('parses a 401 challenge and builds the RFC 7616 §3.9.1 Authorization with the client', () => {
    const ch = parseChallenge(
      `Digest realm="${RFC7616.realm}", qop="auth, auth-int", algorithm=SHA-256, nonce="${RFC7616.nonce}", opaque="${RFC7616.opaque}"`,
    );
    expect(ch).toMatchObject({
      realm: RFC7616.realm,
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      opaque: RFC7616.opaque,
      stale: false,
    });
    const client = new DigestClient({ username: 'Mufasa', password: 'Circle of Life' });
    const value = client.authorize(ch, 'GET', '/dir/index.html', { cnonce: RFC7616.cnonce });
    expect(value).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
    expect(value).toContain('qop=auth, nc=00000001,');
    expect(value).toContain('algorithm=SHA-256');
    const a = parseAuthorization(value);
    expect(a).toMatchObject({
      username: 'Mufasa',
      uri: '/dir/index.html',
      nc: '00000001',
      cnonce: RFC7616.cnonce,
      opaque: RFC7616.opaque,
    });
  });

  test('nc counts per nonce (RFC 7616 §3.4) and restarts for a new nonce', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const ch = 'Digest realm="r", nonce="n1", qop="auth"';
    expect(parseAuthorization(client.authorize(ch, 'REGISTER', 'sip:example.com')).nc).toBe('00000001');
    expect(parseAuthorization(client.authorize(ch, 'REGISTER', 'sip:example.com')).nc).toBe('00000002');
    expect(
      parseAuthorization(client.authorize('Digest realm="r", nonce="n2", qop="auth"', 'REGISTER', 'sip:example.com'))
        .nc,
    ).toBe('00000001');
  });

  test('selectChallenge prefers SHA-256 over MD5 and skips unknown algorithms (RFC 8760 §2.4)', () => {
    const c = selectChallenge([
      'Digest realm="r", nonce="a", algorithm=MD5',
      'Digest realm="r", nonce="b", algorithm=SHA-256',
      'Digest realm="r", nonce="c", algorithm=XYZ',
    ]);
    expect(c?.algorithm).toBe('SHA-256');
    expect(c?.nonce).toBe('b');
    expect(selectChallenge(['Basic realm="r"'])).toBeUndefined();
  });

  test('a non-Digest challenge is rejected with a reason', () => {
    expect(() => parseChallenge('NoOneKnowsThisScheme opaque-data=here')).toThrow(/not Digest/);
    expect(() => parseChallenge('Digest nonce="x"')).toThrow(/without realm/);
  });

  describe('server side (registrar, RFC 3261 §22.4)', () => {
    const users: Record<string, string> = { alice: 'wonderland' };
    const lookup = (u: string) => users[u];

    test.each(['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256'] as const)(
      'challenge → client answer → verify ok with %s',
      (alg) => {
        const server = new DigestServer({ realm: 'example.com', algorithms: [alg] });
        const client = new DigestClient({ username: 'alice', password: 'wonderland' });
        const auth = client.authorize(server.challenge(), 'REGISTER', 'sip:example.com');
        expect(server.verify(auth, 'REGISTER', lookup, { requestUri: 'sip:example.com' })).toEqual({
          ok: true,
          username: 'alice',
          algorithm: alg,
        });
      },
    );

    test('wrong password, unknown user, wrong method, foreign nonce and replayed nc fail with a named reason', () => {
      const server = new DigestServer({ realm: 'example.com' });
      const ch = server.challenge();
      const bad = new DigestClient({ username: 'alice', password: 'nope' }).authorize(
        ch,
        'REGISTER',
        'sip:example.com',
      );
      expect(server.verify(bad, 'REGISTER', lookup)).toMatchObject({ ok: false, reason: 'bad-response' });
      const bob = new DigestClient({ username: 'bob', password: 'x' }).authorize(ch, 'REGISTER', 'sip:example.com');
      expect(server.verify(bob, 'REGISTER', lookup)).toMatchObject({ ok: false, reason: 'unknown-user' });
      const client = new DigestClient({ username: 'alice', password: 'wonderland' });
      const good = client.authorize(ch, 'REGISTER', 'sip:example.com');
      expect(server.verify(good, 'INVITE', lookup)).toMatchObject({ ok: false, reason: 'bad-response' });
      expect(server.verify(good, 'REGISTER', lookup)).toMatchObject({ ok: true });
      expect(server.verify(good, 'REGISTER', lookup)).toMatchObject({ ok: false, reason: 'replay' });
      expect(server.verify(client.authorize(ch, 'REGISTER', 'sip:example.com'), 'REGISTER', lookup)).toMatchObject({
        ok: true,
      });
      const other = new DigestServer({ realm: 'example.com' });
      expect(other.verify(good, 'REGISTER', lookup)).toMatchObject({ ok: false, reason: 'unknown-nonce' });
      expect(server.verify('Digest username="alice"', 'REGISTER', lookup)).toMatchObject({
        ok: false,
        reason: 'malformed',
      });
      expect(server.verify(good, 'REGISTER', lookup, { requestUri: 'sip:other.com' })).toMatchObject({
        ok: false,
        reason: 'uri',
      });
    });

    test('an expired nonce with the right password is stale (RFC 7616 §3.3), and the new challenge says stale=true', () => {
      let now = 1_000_000;
      const server = new DigestServer({ realm: 'example.com', nonceTtlMs: 1000, now: () => now });
      const auth = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(
        server.challenge(),
        'REGISTER',
        'sip:example.com',
      );
      now += 1001;
      expect(server.verify(auth, 'REGISTER', lookup)).toMatchObject({ ok: false, reason: 'stale', stale: true });
      expect(parseChallenge(server.challenge({ stale: true })).stale).toBe(true);
    });

    test('challenges() offers one challenge per algorithm, strongest first (RFC 8760 §2.4)', () => {
      const server = new DigestServer({ realm: 'example.com' });
      const cs = server.challenges().map(parseChallenge);
      expect(cs.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
      expect(cs[0]!.qop).toEqual(['auth']);
      expect(cs[0]!.nonce).toBe(cs[1]!.nonce);
    });

    test('qop=auth-int covers the body', () => {
      const server = new DigestServer({ realm: 'r', qop: ['auth-int'] });
      const client = new DigestClient({ username: 'alice', password: 'wonderland' });
      const auth = client.authorize(server.challenge(), 'MESSAGE', 'sip:bob@r', { body: 'hello' });
      expect(parseAuthorization(auth).qop).toBe('auth-int');
      expect(server.verify(auth, 'MESSAGE', lookup, { body: 'hello' })).toMatchObject({ ok: true });
      const auth2 = client.authorize(server.challenge(), 'MESSAGE', 'sip:bob@r', { body: 'hello' });
      expect(server.verify(auth2, 'MESSAGE', lookup, { body: 'HELLO' })).toMatchObject({
        ok: false,
        reason: 'bad-response',
      });
    });
  });
});
