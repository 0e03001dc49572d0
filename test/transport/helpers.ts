/** Shared helpers for the transport tests: bounded waits, SIP fixtures, a self-signed loopback certificate. */
import type { EventEmitter } from 'node:events';
import { generate } from 'selfsigned';
import { Trace } from '../../src/transport/trace';
import type { Endpoint, Flow, InboundMessage, Listener, TransportProtocol } from '../../src/transport/types';
import { TransportLayer } from '../../src/transport/transport-layer';
import type { TransportLayerOptions } from '../../src/transport/transport-layer';

/** Resolves with the args of the next `event` that satisfies `pred`; rejects after `ms`. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
  ms = 3000,
  pred: (...args: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (...args: unknown[]): void => {
      if (!pred(...(args as T))) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`no '${event}' within ${ms} ms`));
    }, ms);
    emitter.on(event, onEvent);
  });
}

/** Collects every 'message' a layer emits. */
export function collectMessages(layer: TransportLayer): InboundMessage[] {
  const got: InboundMessage[] = [];
  layer.on('message', (m: InboundMessage) => got.push(m));
  return got;
}

/** Waits until `cond()` holds, polling every 5 ms; rejects after `ms` with `what`. */
export async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A small, valid SIP request with a Content-Length that matches its body. */
export function sipRequest(n: number, body = ''): Buffer {
  const b = Buffer.from(body);
  return Buffer.from(
    [
      `OPTIONS sip:bob@127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-test-${n}`,
      'Max-Forwards: 70',
      'To: <sip:bob@127.0.0.1>',
      `From: <sip:alice@127.0.0.1>;tag=${n}`,
      `Call-ID: call-${n}@127.0.0.1`,
      `CSeq: ${n} OPTIONS`,
      `Content-Length: ${b.length}`,
      '',
      '',
    ].join('\r\n') + body,
  );
}

export const LOOPBACK: Record<4 | 6, string> = { 4: '127.0.0.1', 6: '::1' };

let certPromise: Promise<{ key: string; cert: string }> | undefined;
/** A self-signed certificate for localhost, 127.0.0.1 and ::1 (IP SANs, so hostname checks pass on loopback). */
export function loopbackCert(): Promise<{ key: string; cert: string }> {
  certPromise ??= generate([{ name: 'commonName', value: 'localhost' }], {
    days: 1,
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  } as Parameters<typeof generate>[1]).then((p) => ({ key: p.private, cert: p.cert }));
  return certPromise;
}

/** Two agents on one trace, each listening on `transport` (and UDP, which flowTo needs) on the given family. */
export async function agentPair(
  transport: TransportProtocol,
  family: 4 | 6 = 4,
  opts: { alice?: TransportLayerOptions; bob?: TransportLayerOptions } = {},
): Promise<{
  trace: Trace;
  alice: TransportLayer;
  bob: TransportLayer;
  bobListener: Listener;
  aliceListener: Listener;
  close: () => Promise<void>;
}> {
  const trace = new Trace();
  const { key, cert } = transport === 'tls' ? await loopbackCert() : { key: '', cert: '' };
  const clientTls = transport === 'tls' ? { ca: cert } : undefined;
  const alice = new TransportLayer({ trace, agent: 'alice', ...(clientTls ? { tls: clientTls } : {}), ...opts.alice });
  const bob = new TransportLayer({ trace, agent: 'bob', ...(clientTls ? { tls: clientTls } : {}), ...opts.bob });
  const host = LOOPBACK[family];
  const tlsOpts = transport === 'tls' ? { tls: { key, cert } } : {};
  const aliceListener = await alice.listen({ transport, host, ...tlsOpts });
  const bobListener = await bob.listen({ transport, host, ...tlsOpts });
  return {
    trace,
    alice,
    bob,
    aliceListener,
    bobListener,
    close: async () => void (await Promise.all([alice.close(), bob.close()])),
  };
}

export function flowIds(flows: Flow[]): string[] {
  return flows.map((f) => f.id);
}

export function endpointOf(l: Listener): Endpoint {
  return { address: l.local.address, port: l.local.port };
}
