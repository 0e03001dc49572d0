import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { SipAgent } from '../../src/agent/sip-agent';
import { parseEndpoint } from '../../src/transport/endpoint';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'sipconf');

function run(args: string[]): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => out, err: () => err, exit };
}

async function waitFor(cond: () => RegExpMatchArray | null, ms: number, what: () => string): Promise<RegExpMatchArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = cond();
    if (m) return m;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sipconf sut (the reference SUT in the foreground)', () => {
  let proc: ReturnType<typeof run> | undefined;
  let agent: SipAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exit;
    }
  });

  test('prints its address, answers OPTIONS with 200, logs each message, and exits 0 on SIGTERM (RFC 3261 §11)', async () => {
    proc = run(['sut', '--port', '0', '--t1', '50']);
    const m = await waitFor(
      () => /listening on udp (\S+), tcp (\S+) \(registrar-only: udp (\S+), tcp (\S+)\)/.exec(proc!.out()),
      20_000,
      () => `no address line; stdout: ${proc!.out()} stderr: ${proc!.err()}`,
    );
    const udp = parseEndpoint(m[1]!);
    expect(parseEndpoint(m[2]!).port).toBeGreaterThan(0);
    agent = await SipAgent.create({ name: 'probe', timers: { t1: 50 } });
    const out = await agent.send(agent.createRequest('OPTIONS', `sip:${udp.address}:${udp.port}`), {
      remote: udp,
      transport: 'udp',
    });
    expect((await out.final({ within: 2000 })).message.status).toBe(200);
    await waitFor(
      () => /← \S+ udp OPTIONS sip:/.exec(proc!.out()),
      2000,
      () => `no log line for the OPTIONS; stdout: ${proc!.out()}`,
    );
    expect(proc.out()).toMatch(/→ \S+ udp 200 OK \(OPTIONS\) \(Call-ID \S+\)/);
    proc.child.kill('SIGTERM');
    const { code } = await proc.exit;
    expect(code).toBe(0);
    expect(proc.out()).toMatch(/SIGTERM, closing/);
    expect(() => process.kill(proc!.child.pid!, 0)).toThrow(); // no process left behind
  });

  test('a bad --flow-timer-grace → exit 2, naming the option', async () => {
    proc = run(['sut', '--flow-timer-grace', 'soon']);
    const { code } = await proc.exit;
    expect(code).toBe(2);
    expect(proc.err()).toMatch(/--flow-timer-grace must be an integer from 0 to 3600000, not "soon"/);
  });

  test('an unknown fault → exit 2, naming the valid faults', async () => {
    proc = run(['sut', '--fault', 'no-such-fault']);
    const { code } = await proc.exit;
    expect(code).toBe(2);
    expect(proc.err()).toMatch(/unknown fault "no-such-fault"; valid faults: drop-2xx-ack, /);
  });
});
