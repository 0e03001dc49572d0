/**
 * The OUTBOUND-UA checks (scenarios/outbound-ua) against scripted user agents made of our own agents, over real
 * loopback TCP: each check passes against a conformant UA and fails, citing the RFC, against a UA with one defect —
 * so none of them can only pass. The scripted UA is started through the same UaLauncher interface the runner gives
 * a managed UA SUT; baresip itself is in test/integration/baresip-suite.test.ts.
 */
import net from 'node:net';
import { Registrant } from '../../src/agent/registrant';
import { OutgoingCall, SipAgent } from '../../src/agent/sip-agent';
import { CheckDefinition, NonConformance, SutInfo } from '../../src/scenario/check';
import { CheckContext, UaLauncher } from '../../src/scenario/context';
import { resolveTimers } from '../../src/transaction/timers';
import path from 'node:path';
import { loadCheck } from '../../src/scenario/registry';

const uaCheck = (id: string) =>
  loadCheck(path.resolve(__dirname, '..', '..', 'scenarios', 'outbound-ua', `${id}.yaml`));
const accepted = uaCheck('UA-REGISTER-ACCEPTED');
const flowFailure = uaCheck('UA-REREGISTER-AFTER-FLOW-FAILURE');
const after430 = uaCheck('UA-REREGISTER-AFTER-430');
const acks = uaCheck('UA-ACKS-2XX');
const keepalive = uaCheck('UA-KEEPALIVE-FAILURE');

const timers = resolveTimers({ t1: 100 });
const sut: SutInfo = {
  name: 'scripted UA',
  role: 'ua',
  listen: { address: '127.0.0.1', port: 0 },
  domain: '127.0.0.1',
  transports: ['tcp'],
  capabilities: ['outbound', 'keepalive'],
  timers,
};

interface Ua {
  agent: SipAgent;
  reg: Registrant;
}
type Script = { afterRegister?: (ua: Ua) => void; dial?: (ua: Ua, uri: string) => Promise<void> };

/** A launcher whose "SUT" is a Registrant on a SipAgent, scripted per test. */
function scriptedUa(script: Script): UaLauncher {
  return {
    async start(listenPort, firstRegister) {
      const agent = await SipAgent.create({ name: 'ua', listen: ['tcp'], timers, user: 'bob', domain: '127.0.0.1' });
      const reg = new Registrant(agent, {
        registrar: { remote: { address: '127.0.0.1', port: listenPort }, transport: 'tcp' },
        outbound: { regIds: [1] },
        expires: 60,
      });
      const arrived = firstRegister(new AbortController().signal);
      await reg.register(1);
      await arrived;
      script.afterRegister?.({ agent, reg });
      return {
        pid: process.pid,
        dial: (uri) => (script.dial ? script.dial({ agent, reg }, uri) : Promise.reject(new Error('no dial'))),
        readLog: async () => '',
        stop: () => agent.close(),
      };
    },
  };
}

async function run(check: CheckDefinition, script: Script): Promise<{ error?: unknown; ctx: CheckContext }> {
  const ctx = new CheckContext(check, sut, undefined, scriptedUa(script));
  try {
    await check.run(ctx);
    return { ctx };
  } catch (error) {
    return { error, ctx };
  } finally {
    await ctx.close();
  }
}

const later = (ms: number, fn: () => Promise<unknown>) =>
  void new Promise((r) => setTimeout(r, ms)).then(fn).catch(() => undefined);

describe('OUTBOUND-UA checks against scripted UAs (each can pass and can fail)', () => {
  test('UA-REGISTER-ACCEPTED passes when the refresh keeps Call-ID, CSeq + 1, instance and reg-id (RFC 3261 §10.2.4)', async () => {
    const { error, ctx } = await run(accepted, { afterRegister: ({ reg }) => later(500, () => reg.register(1)) });
    expect(error).toBeUndefined();
    expect(ctx.notes.join('\n')).toMatch(/refresh came \d+\.\d s after first/);
  });

  test('UA-REGISTER-ACCEPTED fails when the next REGISTER starts a new Call-ID (RFC 3261 §10.2)', async () => {
    const { error } = await run(accepted, {
      afterRegister: ({ agent, reg }) =>
        later(300, () =>
          new Registrant(agent, { ...reg.opts, outbound: { instance: reg.instance, regIds: [1] } }).register(1),
        ),
    });
    expect(error).toBeInstanceOf(NonConformance);
    expect((error as Error).message).toMatch(
      /refresh has Call-ID .*, not the first's .* \(RFC 3261 §10\.2: one Call-ID per registration\)/,
    );
  });

  test('UA-REREGISTER-AFTER-FLOW-FAILURE passes when the UA re-registers reg-id 1 on a new flow after the reset (RFC 5626 §4.5)', async () => {
    const { error, ctx } = await run(flowFailure, {
      afterRegister: ({ agent, reg }) =>
        void agent
          .expectFlowEvent('close', { flow: reg.flowOf(1), within: 5000 })
          .then(() => reg.register(1, { newFlow: true }))
          .catch(() => undefined),
    });
    expect(error).toBeUndefined();
    expect(ctx.notes.join('\n')).toMatch(/again came \d+\.\d s after the wait began/);
  });

  test('UA-REREGISTER-AFTER-FLOW-FAILURE fails when the new flow is registered with another reg-id (RFC 5626 §4.5 "MUST have the same reg-id")', async () => {
    const { error } = await run(flowFailure, {
      afterRegister: ({ agent, reg }) =>
        void agent
          .expectFlowEvent('close', { flow: reg.flowOf(1), within: 5000 })
          .then(() =>
            new Registrant(agent, { ...reg.opts, outbound: { instance: reg.instance, regIds: [2] } }).register(2),
          )
          .catch(() => undefined),
    });
    expect(error).toBeInstanceOf(NonConformance);
    expect((error as Error).message).toMatch(/again has Contact\.reg-id 2, not the first's 1 \(RFC 5626 §4\.5/);
  });

  test('UA-REREGISTER-AFTER-430 fails when the UA retries at once instead of waiting the §4.5 retry delay', async () => {
    const { error } = await run(after430, { afterRegister: ({ reg }) => later(200, () => reg.register(1)) });
    expect(error).toBeInstanceOf(NonConformance);
    expect((error as Error).message).toMatch(
      /REGISTER came 0\.\d s after first, before the 15\.0 s it must wait after its REGISTER failed with 430 .*\(RFC 5626 §4\.5\)/,
    );
  });

  test("a UA started outside the harness: the check binds the profile's fixed listen port and waits for the UA to register there", async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const agent = await SipAgent.create({ name: 'ua', listen: ['tcp'], timers, user: 'bob', domain: '127.0.0.1' });
    const reg = new Registrant(agent, {
      registrar: { remote: { address: '127.0.0.1', port }, transport: 'tcp' },
      outbound: { regIds: [1] },
      expires: 60,
    });
    // The UA registers 300 ms after the check began listening, and refreshes 500 ms later.
    later(300, async () => {
      await reg.register(1);
      await new Promise((r) => setTimeout(r, 500));
      await reg.register(1);
    });
    const ctx = new CheckContext(accepted, { ...sut, listen: { address: '127.0.0.1', port } });
    try {
      await accepted.run(ctx);
      expect(ctx.notes.join('\n')).toMatch(/refresh came/);
    } finally {
      await ctx.close();
      await agent.close();
    }
  });

  test('UA-KEEPALIVE-FAILURE passes when the UA pings, gets no pong, and re-registers on a new flow (RFC 5626 §4.4.1)', async () => {
    const { error, ctx } = await run(keepalive, {
      afterRegister: ({ agent, reg }) => {
        agent.transport.startKeepalive(reg.flowOf(1)!, { intervalMs: 500, timeoutMs: 300 });
        void agent
          .expectFlowEvent('keepalive-timeout', { within: 5000 })
          .then(async (ev) => {
            await ev.flow.close();
            await reg.register(1, { newFlow: true });
          })
          .catch(() => undefined);
      },
    });
    expect(error).toBeUndefined();
    expect(ctx.notes.join('\n')).toMatch(
      /CRLF keep-alive 0\.\d s after first\n.*again came \d+\.\d s after the wait began/,
    );
  });

  test('UA-KEEPALIVE-FAILURE fails when the UA never pings within the Flow-Timer (RFC 5626 §4.4.1)', async () => {
    const { error } = await run(keepalive, {});
    expect(error).toBeInstanceOf(NonConformance);
    expect((error as Error).message).toMatch(
      /no CRLF keep-alive on the flow of first within 25\.0 s of first \(the Flow-Timer of 20 s\)/,
    );
  }, 30_000);

  async function call(ua: Ua, uri: string, ackRetransmissions: boolean): Promise<void> {
    const c: OutgoingCall = await ua.agent.invite(uri, { target: { flow: ua.reg.flowOf(1)! } });
    void c
      .expectResponse(200, { within: 5000 })
      .then(async () => {
        await c.ack();
        c.autoAck = ackRetransmissions;
      })
      .catch(() => undefined);
    // Answer the harness's BYE.
    void ua.agent
      .expect('BYE', { within: 8000 })
      .then((bye) => bye.respond(200))
      .catch(() => undefined);
  }

  test('UA-ACKS-2XX passes when the UA ACKs the 200 and its retransmission (RFC 3261 §13.2.2.4)', async () => {
    const { error, ctx } = await run(acks, { dial: (ua, uri) => call(ua, uri, true) });
    expect(error).toBeUndefined();
    // Both ACKs reached the harness (the first and the one for the retransmitted 200), and the harness hung up.
    const sent = ctx.trace.entries.filter((e) => e.kind === 'sip').map((e) => e.data.toString().split('\r\n')[0]);
    expect(sent.filter((l) => l?.startsWith('ACK ')).length).toBeGreaterThanOrEqual(2);
    expect(sent.some((l) => l?.startsWith('BYE '))).toBe(true);
  });

  test('UA-ACKS-2XX fails when the UA ACKs the first 200 only', async () => {
    const { error } = await run(acks, { dial: (ua, uri) => call(ua, uri, false) });
    expect(error).toBeInstanceOf(NonConformance);
    expect((error as Error).message).toMatch(
      /no ACK for the 200 OK .*\(the retransmitted 200 OK\).*RFC 3261 §13\.2\.2\.4/,
    );
  }, 20_000);
});
