import { generate } from 'selfsigned';
import { Registrant } from '../../src/agent/registrant';
import { SipAgent } from '../../src/agent/sip-agent';
import { parse } from '../../src/sip/parser';
import { World, sleep, until, world } from './reference-support';

describe('reference SUT across transports and listener sets (RFC 3261 §16.6, §18; RFC 5626 §5.3)', () => {
  let w: World;
  afterEach(async () => w.close());

  test('a UDP caller reaches a callee registered with outbound over TCP, and both can send in-dialog requests (§16.12.1, RFC 5626 §5.3)', async () => {
    w = await world();
    const alice = await w.agent('alice', ['udp']);
    const bob = await w.agent('bob', ['tcp']);
    const reg = new Registrant(bob, {
      registrar: { remote: w.sut.address('tcp'), transport: 'tcp' },
      outbound: { regIds: [1] },
    });
    await reg.register(1);
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.address('udp'), transport: 'udp' } });
    const inv = await bob.expect('INVITE', { within: 2000 });
    expect(inv.flow.id).toBe(reg.flowOf(1)!.id);
    // Two Record-Routes: one per transport, the callee side carrying the flow token (RFC 5626 §5.3, RFC 3261 §16.6 step 4).
    expect(inv.request.recordRoutes).toHaveLength(2);
    expect(inv.request.recordRoutes[0]!.sipUri!.transport).toBe('tcp');
    expect(inv.request.recordRoutes[1]!.sipUri!.transport).toBeUndefined();
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await call.ack();
    expect((await bob.expect('ACK', { within: 1000 })).flow.id).toBe(inv.flow.id);
    const info = await inv.sendInDialog('INFO');
    const gotInfo = await alice.expect('INFO', { within: 1000 });
    await gotInfo.respond(200);
    expect((await info.final({ within: 1000 })).message.status).toBe(200);
    const bye = await call.bye();
    await (await bob.expect('BYE', { within: 1000 })).respond(200);
    expect((await bye.final({ within: 1000 })).message.status).toBe(200);
  });

  test('a call to the registrar-only address reaches a UA registered at the co-located edge (through the edge, on its flow)', async () => {
    w = await world();
    const alice = await w.agent('alice', ['udp']);
    const bob = await w.agent('bob', ['tcp']);
    const reg = new Registrant(bob, {
      registrar: { remote: w.sut.address('tcp'), transport: 'tcp' },
      outbound: { regIds: [1] },
    });
    await reg.register(1);
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.registrarAddress('udp'), transport: 'udp' } });
    const inv = await bob.expect('INVITE', { within: 2000 });
    expect(inv.flow.id).toBe(reg.flowOf(1)!.id);
    expect(inv.request.vias).toHaveLength(3);
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await call.ack();
    await bob.expect('ACK', { within: 1000 });
  });

  test('IPv6 loopback: register and call over [::1] (RFC 5118)', async () => {
    w = await world({ host: '::1' });
    expect(w.sut.domain).toBe('[::1]');
    const alice = await SipAgent.create({ name: 'alice', trace: w.trace, host: '::1', timers: { t1: 50 } });
    const bob = await SipAgent.create({ name: 'bob', trace: w.trace, host: '::1', timers: { t1: 50 } });
    w.agents.push(alice, bob);
    const target = { remote: w.sut.address('udp'), transport: 'udp' as const };
    expect((await new Registrant(bob, { registrar: target }).register()).message.status).toBe(200);
    const call = await alice.invite(bob.aor, { target });
    const inv = await bob.expect('INVITE', { within: 2000 });
    expect(inv.request.recordRoutes[0]!.uri.toString()).toContain('[::1]');
    await inv.accept();
    await call.expectResponse(200, { within: 1000 });
    await call.ack();
    await bob.expect('ACK', { within: 1000 });
  });

  test('TLS: register with outbound over TLS and receive the INVITE on that connection (§26.2, RFC 5626 §5.3)', async () => {
    w = await world({ tls: true });
    const pems = await generate([{ name: 'commonName', value: 'bob' }], {
      days: 1,
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    } as Parameters<typeof generate>[1]);
    const bob = await SipAgent.create({
      name: 'bob',
      trace: w.trace,
      timers: { t1: 50 },
      listen: [{ transport: 'tls', tls: { key: pems.private, cert: pems.cert } }],
      tls: { ca: w.sut.tlsCertificate! },
    });
    w.agents.push(bob);
    const alice = await w.agent('alice', ['udp']);
    const reg = new Registrant(bob, {
      registrar: { remote: w.sut.address('tls'), transport: 'tls' },
      outbound: { regIds: [1] },
    });
    const res = (await reg.register(1)).message;
    expect(res.status).toBe(200);
    expect(res.optionTags('require')).toContain('outbound');
    const call = await alice.invite(bob.aor, { target: { remote: w.sut.address('udp'), transport: 'udp' } });
    const inv = await bob.expect('INVITE', { within: 2000 });
    expect(inv.flow.transport).toBe('tls');
    expect(inv.flow.id).toBe(reg.flowOf(1)!.id);
    await inv.respond(486);
    expect((await call.final({ within: 1000 })).message.status).toBe(486);
  });
});

describe('reference SUT never crashes on bad input (RFC 3261 §16.3, §21.4.1)', () => {
  let w: World;
  let alice: SipAgent;
  beforeEach(async () => {
    w = await world();
    alice = await w.agent('alice');
  });
  afterEach(async () => w.close());

  const sut = () => ({ remote: w.sut.address('udp'), transport: 'udp' as const });

  async function options(): Promise<number> {
    const a = w.sut.address('udp');
    const out = await alice.send(alice.createRequest('OPTIONS', `sip:${a.address}:${a.port}`), sut());
    return (await out.final({ within: 1000 })).message.status;
  }

  test('unparseable bytes are dropped and the SUT keeps answering', async () => {
    await alice.sendRaw('this is not SIP at all\r\n\r\n', sut());
    await alice.sendRaw(Buffer.from([0x00, 0xff, 0x10, 0x80]), sut());
    expect(await options()).toBe(200);
  });

  test('a request with a non-numeric Max-Forwards → 400 (§8.2, §20.22)', async () => {
    const req = alice.createRequest('MESSAGE', 'sip:bob@127.0.0.1', { body: 'x', contentType: 'text/plain' });
    req.set('Max-Forwards', 'lots');
    const out = await alice.send(req, sut());
    expect((await out.final({ within: 1000 })).message.status).toBe(400);
  });

  test('a request without Call-ID but with a Via → 400 sent back to the Via (§8.1.1)', async () => {
    const a = alice.address('udp');
    const raw = [
      `OPTIONS sip:127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/UDP ${a.address}:${a.port};branch=z9hG4bKnocallid`,
      'Max-Forwards: 70',
      'From: <sip:alice@127.0.0.1>;tag=1',
      'To: <sip:127.0.0.1>',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    await alice.sendRaw(raw, sut());
    // The 400 lacks a Call-ID too (it copies what the request had), so alice's transaction layer files it as garbage.
    await until(() => alice.garbage.length > 0, 1000, 'the 400 came back');
    const res = parse(alice.garbage[0]!.data, { mode: 'lenient' }).message!;
    expect(res.isRequest).toBe(false);
    expect((res as { status?: number }).status).toBe(400);
    expect(res.topVia.branch).toBe('z9hG4bKnocallid');
    expect(await options()).toBe(200);
  });

  test('a grammar fault in a header the proxy does not read is tolerated (§16.3 step 1: reasonable syntax)', async () => {
    const req = alice.createRequest('MESSAGE', 'sip:nobody@127.0.0.1', {
      body: 'x',
      contentType: 'text/plain',
      headers: [['Reply-To', '<<not a uri']],
    });
    const out = await alice.send(req, sut());
    expect((await out.final({ within: 1000 })).message.status).toBe(404);
  });

  test('two different Call-ID values → 400 (§7.3.1, RFC 4475 §3.3.8); SIP/7.0 → 505 (§21.5.7, RFC 4475 §3.1.2.16)', async () => {
    const dup = alice.createRequest('OPTIONS', `sip:${w.sut.address().address}:${w.sut.address().port}`);
    dup.append('Call-ID', 'second@192.0.2.1');
    expect((await (await alice.send(dup, sut())).final({ within: 1000 })).message.status).toBe(400);
    const v7 = alice.createRequest('OPTIONS', `sip:${w.sut.address().address}:${w.sut.address().port}`);
    v7.version = 'SIP/7.0';
    const out = await alice.send(v7, sut());
    expect((await out.final({ within: 1000 })).message.status).toBe(505);
  });

  test('a tel: Request-URI → 416 Unsupported URI Scheme (§8.2.2.1)', async () => {
    const req = alice.createRequest('MESSAGE', 'tel:+15551234', { body: 'x', contentType: 'text/plain' });
    const out = await alice.send(req, sut());
    expect((await out.final({ within: 1000 })).message.status).toBe(416);
  });

  test('an unknown Proxy-Require → 420 with Unsupported (§16.3 step 5)', async () => {
    const req = alice.createRequest('MESSAGE', 'sip:bob@127.0.0.1', {
      body: 'x',
      contentType: 'text/plain',
      headers: [['Proxy-Require', 'teleport']],
    });
    const out = await alice.send(req, sut());
    const res = (await out.final({ within: 1000 })).message;
    expect(res.status).toBe(420);
    expect(res.get('unsupported')).toBe('teleport');
    await sleep(1);
  });
});
