/**
 * The set-up the OUTBOUND-UA checks share: the harness's registrar / edge proxy (MockRegistrar) listening where the
 * user-agent SUT registers, and the UA's first REGISTER.
 *
 * - Managed UA (profile with start:): the check binds an ephemeral port and starts its own instance of the UA with
 *   {listenPort} set to it (the runner's UaLauncher); the check sees the UA's very first REGISTER, within the
 *   profile's startTimeoutMs.
 * - UA started by the user (no start:): the check binds the profile's fixed `listen` port — waiting while another
 *   check holds it — and waits for the UA's next REGISTER (a refresh, or the re-registration after the flow of the
 *   previous check's registrar died: RFC 5626 §4.5 allows up to 60 s for that), bounded by ARRIVAL_BOUND_MS.
 */
import { MockRegistrar, MockRegistrarOptions, RecordedRegister, RegisterAnswer } from '../agent/registrar';
import type { ListenOptions, TransportProtocol } from '../transport/types';
import type { CheckContext, UaInstance } from './context';

/** Unmanaged UA: how long to wait for its REGISTER (a 60 s back-off plus margin). */
const ARRIVAL_BOUND_MS = 90_000;
/** Unmanaged UA: how long to wait for the fixed listen port while another check holds it. */
const PORT_BOUND_MS = 120_000;

export interface UaUnderTest {
  registrar: MockRegistrar;
  /** The UA's first REGISTER in this check, already answered. */
  first: RecordedRegister;
  /** The managed instance, when the harness started the UA. */
  instance?: UaInstance;
  /** Makes the UA place a call to `uri` (the profile's dial:). */
  dial(uri: string): Promise<void>;
}

export interface UaSetupOptions {
  /** Expiry granted in the 200 (seconds); default what the UA asked for. */
  grantExpires?: number;
  /** How to answer the first REGISTER (default 200). */
  firstAnswer?: RegisterAnswer;
  /** Flow-Timer in the 200 (seconds, RFC 5626 §4.4.1); default 25. */
  flowTimer?: number;
  /** Answer the UA's CRLF pings (default true). */
  autoPong?: boolean;
}

/** Starts the registrar where the UA registers and waits for the UA's first REGISTER (answered as told). */
export async function uaRegisters(ctx: CheckContext, opts: UaSetupOptions = {}): Promise<UaUnderTest> {
  const listen = ctx.sut.listen;
  if (!listen)
    throw new Error('the SUT profile has no "listen" address: a ua check needs to know where the UA registers');
  const transports = ctx.sut.transports.filter((t): t is Exclude<TransportProtocol, 'tls'> => t !== 'tls');
  if (transports.length === 0)
    throw new Error(`the ua checks listen on udp/tcp; the profile offers ${ctx.sut.transports.join(', ')}`);
  const launcher = ctx.uaLauncher;

  const registrar = await ctx.step(
    `the harness's registrar / edge listens ${launcher ? 'for a fresh UA instance' : `at ${listen.address}:${listen.port}`}`,
    () =>
      bindRegistrar(ctx, transports, listen.address, launcher ? 0 : listen.port, {
        grantExpires: opts.grantExpires,
        flowTimer: opts.flowTimer,
        autoPong: opts.autoPong,
      }),
  );
  ctx.onCleanup(() => registrar.close());
  if (opts.firstAnswer) registrar.answerNext(opts.firstAnswer);

  let instance: UaInstance | undefined;
  const first = await ctx.step(
    launcher
      ? 'the harness starts the UA; its first REGISTER arrives'
      : 'the UA (started outside the harness) registers',
    async () => {
      if (!launcher) {
        return registrar
          .expectRegister({
            within: ARRIVAL_BOUND_MS,
            what: `a REGISTER from the UA at ${listen.address}:${listen.port}`,
          })
          .catch((e: Error) => {
            throw new Error(`the UA never registered with the harness: ${e.message}`);
          });
      }
      let arrived: Promise<RecordedRegister> | undefined;
      const port = registrar.agent.address(transports[0]).port;
      // The launcher bounds the wait (the profile's startTimeoutMs); ours only has to outlast it.
      instance = await launcher.start(port, () => {
        arrived = registrar.expectRegister({ within: 120_000, what: 'the first REGISTER of the UA' });
        arrived.catch(() => undefined);
        return arrived;
      });
      const inst = instance;
      ctx.onCleanup(async () => {
        await inst.stop();
        ctx.reporter.attach('UA SUT log', await inst.readLog(), 'text/plain');
      });
      return arrived!;
    },
  );
  ctx.note(`the UA's first REGISTER arrived on ${first.flow.id} and was answered ${first.response?.status ?? '?'}`);
  return {
    registrar,
    first,
    instance,
    dial: async (uri) => {
      if (!instance)
        throw new Error('the profile does not let the harness make this UA dial (a managed UA with dial: is needed)');
      await instance.dial(uri);
    },
  };
}

type Policy = Pick<MockRegistrarOptions, 'grantExpires' | 'flowTimer' | 'autoPong'>;

async function bindRegistrar(
  ctx: CheckContext,
  transports: Array<'udp' | 'tcp'>,
  host: string,
  port: number,
  policy: Policy,
): Promise<MockRegistrar> {
  const listen: ListenOptions[] = transports.map((transport) => ({ transport, host, port }));
  const deadline = performance.now() + PORT_BOUND_MS;
  for (;;) {
    try {
      if (port !== 0 || transports.length === 1) {
        return await MockRegistrar.create({
          name: 'registrar',
          listen,
          trace: ctx.trace,
          timers: ctx.timers,
          ...policy,
        });
      }
      // Several transports on one ephemeral port: take the first's port for the others.
      const first = await MockRegistrar.create({
        name: 'registrar',
        listen: [listen[0]!],
        trace: ctx.trace,
        timers: ctx.timers,
        ...policy,
      });
      const p = first.agent.address(transports[0]).port;
      await first.close();
      return await MockRegistrar.create({
        name: 'registrar',
        listen: listen.map((l) => ({ ...l, port: p })),
        trace: ctx.trace,
        timers: ctx.timers,
        ...policy,
      });
    } catch (e) {
      // A fixed port held by another check against the same UA: wait for it, bounded.
      if (!/EADDRINUSE/.test((e as Error).message) || performance.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The first REGISTER must be an RFC 5626 outbound registration: +sip.instance and reg-id on its Contact (§4.2). */
export function assertOutboundRegister(ctx: CheckContext, rec: RecordedRegister): { instance: string; regId: number } {
  ctx.assert(
    rec.instance,
    `the UA's REGISTER has no +sip.instance on its Contact (${rec.request.get('contact') ?? 'none'}), though the profile claims outbound (RFC 5626 §4.2)`,
  );
  ctx.assert(
    rec.regId !== undefined && Number.isInteger(rec.regId) && rec.regId > 0,
    `the UA's REGISTER has no valid reg-id on its Contact (${rec.request.get('contact') ?? 'none'}) (RFC 5626 §4.2)`,
  );
  return { instance: rec.instance, regId: rec.regId };
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
