/**
 * baresip 1.0 as the managed user-agent SUT (scenarios/targets/baresip): the test plays the harness's registrar /
 * edge proxy on a TCP listener, starts baresip with `ready: register` (ready = its first REGISTER reached us), checks
 * the RFC 5626 outbound REGISTER, answers it, and stops baresip leaving no process.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { SipRequest, StreamFramer, createResponse, parseMessage } from '../../src/sip';
import { ManagedSut, startManagedSut } from '../../src/sut/managed';
import { loadProfile } from '../../src/sut/profile';

const PROFILE = path.join(__dirname, '../../scenarios/targets/baresip/profile.yaml');

/** A one-purpose registrar on TCP: records REGISTERs and answers 200 with the outbound headers (RFC 5626 §6). */
class TcpRegistrar {
  readonly registers: Array<{ req: SipRequest; remotePort: number }> = [];
  private readonly sockets = new Set<net.Socket>();
  private waiters: Array<() => void> = [];
  readonly requests: Array<{ req: SipRequest; remotePort: number }> = [];
  private requestWaiters: Array<() => void> = [];

  /** The next request with this method (bounded). */
  async request(method: string, timeoutMs: number): Promise<{ req: SipRequest; remotePort: number }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find((r) => r.req.method === method);
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${method} reached the harness within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.requestWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  private constructor(readonly server: net.Server) {
    server.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
      sock.on('error', () => undefined);
      const framer = new StreamFramer();
      sock.on('data', (chunk) => {
        for (const f of framer.push(chunk)) {
          if (f.kind === 'ping') sock.write('\r\n'); // RFC 5626 §3.5.1 pong
          if (f.kind !== 'message') continue;
          const msg = parseMessage(f.data, { mode: 'lenient' });
          if (!msg.isRequest) continue;
          this.requests.push({ req: msg, remotePort: sock.remotePort ?? 0 });
          for (const w of this.requestWaiters.splice(0)) w();
          if (msg.method === 'ACK') continue;
          if (msg.method === 'INVITE') {
            sock.write(createResponse(msg, 100).toBuffer());
            sock.write(createResponse(msg, 486).toBuffer());
          } else if (msg.method === 'REGISTER') {
            this.registers.push({ req: msg, remotePort: sock.remotePort ?? 0 });
            const res = createResponse(msg, 200);
            for (const c of msg.getAll('contact')) res.append('Contact', `${c};expires=${msg.expires ?? 60}`);
            res.append('Require', 'outbound');
            res.append('Supported', 'outbound, path');
            res.append('Flow-Timer', 25);
            sock.write(res.toBuffer());
            for (const w of this.waiters.splice(0)) w();
          } else {
            sock.write(createResponse(msg, 501).toBuffer());
          }
        }
      });
    });
  }

  static async listen(host = '127.0.0.1'): Promise<TcpRegistrar> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    return new TcpRegistrar(server);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  firstRegister(signal: AbortSignal): Promise<void> {
    if (this.registers.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      signal.addEventListener('abort', () => resolve());
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('baresip managed SUT (scenarios/targets/baresip)', () => {
  let registrar: TcpRegistrar | undefined;
  let sut: ManagedSut | undefined;
  afterEach(async () => {
    await sut?.stop();
    await registrar?.close();
  });

  test('starts with ready: register; its REGISTER over TCP carries +sip.instance and reg-id (RFC 5626 §4.2.1); dial sends the INVITE on that flow (§4.3); stop leaves no process', async () => {
    registrar = await TcpRegistrar.listen();
    const profile = await loadProfile(PROFILE);
    expect(profile.role).toBe('ua');
    expect(profile.ready).toBe('register');
    const reg = registrar;
    const t0 = performance.now();
    sut = await startManagedSut(profile, {
      listenPort: reg.port,
      waitForRegister: ({ signal }) => reg.firstRegister(signal),
    });
    const readyMs = performance.now() - t0;
    expect(readyMs).toBeLessThan(5000);
    expect(sut.listen).toEqual({ address: '127.0.0.1', port: reg.port });
    expect(sut.render(profile.dial!)).toBe(`ctrl_tcp://127.0.0.1:${sut.placeholders.controlPort}/dial {uri}`);

    const { req } = reg.registers[0]!;
    expect(req.topVia.transport).toBe('TCP');
    expect(req.optionTags('supported')).toContain('outbound');
    const contact = req.contacts[0]!;
    const instance = contact.params.getUnquoted('+sip.instance');
    expect(instance).toBe(`<urn:uuid:${sut.placeholders.uuid}>`); // no trailing newline from the uuid file
    expect(contact.params.get('reg-id')).toBe('1');
    expect(req.to.sipUri?.user).toBe('bob');

    // dial: (ctrl_tcp) makes baresip place a call; RFC 5626 §4.3: it goes out on the registered flow.
    await sut.dial('sip:alice@127.0.0.1');
    const inv = await reg.request('INVITE', 5000);
    expect(inv.remotePort).toBe(reg.registers[0]!.remotePort);
    expect(inv.req.uriText).toMatch(/^sip:alice@127\.0\.0\.1(;transport=tcp)?$/);
    const ack = await reg.request('ACK', 3000); // §17.1.1.3: the ACK for our 486
    expect(ack.req.callId).toBe(inv.req.callId);

    const pgid = sut.pid;
    await sut.stop();
    let members: string[];
    try {
      members = execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter(Boolean);
    } catch {
      members = [];
    }
    expect(members).toEqual([]);
    expect(await sut.readLog()).toMatch(/baresip/i);
  }, 15000);
});
