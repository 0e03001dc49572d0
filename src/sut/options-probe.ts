/**
 * A self-contained OPTIONS probe (RFC 3261 §11): is anything SIP answering at this address? Used before a run (exit 2
 * with a one-line reason when the SUT is unreachable) and to know when a managed SUT is up.
 *
 * It opens its own socket (node:dgram / node:net) so it depends on nothing but the message layer. On UDP it
 * retransmits like a non-INVITE client transaction (§17.1.2.2, Timer E: T1, 2·T1, ... capped at T2) until the
 * time budget is spent; any final response (even 4xx/5xx) proves a SIP server is there.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import {
  NameAddr,
  Params,
  SipResponse,
  StreamFramer,
  Via,
  createRequest,
  newBranch,
  newCallId,
  newTag,
  parse,
  parseUri,
} from '../sip';
import { Endpoint, formatEndpoint } from '../transport/types';

export type ProbeResult =
  { ok: true; status: number; reason: string; rttMs: number; server?: string } | { ok: false; reason: string };

export interface ProbeOptions {
  /** Retransmission base (T1) on UDP; default 500 ms. */
  t1?: number;
  /** Retransmission cap (T2) on UDP; default 4000 ms. */
  t2?: number;
  /** Request-URI; default `sip:HOST:PORT` (the server itself). */
  uri?: string;
}

function buildOptions(target: Endpoint, transport: 'udp' | 'tcp', local: Endpoint, uri: string) {
  const host = formatEndpoint(target).replace(/:\d+$/, '');
  const branch = newBranch();
  const localHost = local.address.includes(':') ? `[${local.address}]` : local.address;
  const req = createRequest({
    method: 'OPTIONS',
    uri,
    via: new Via(transport.toUpperCase(), localHost, local.port, Params.parse(`branch=${branch};rport`)),
    from: new NameAddr(parseUri(`sip:sipconf-probe@${localHost}`), undefined, Params.parse(`tag=${newTag()}`)),
    to: new NameAddr(parseUri(`sip:${host}`)),
    callId: newCallId(localHost.replace(/[[\]]/g, '')),
    cseq: 1,
    maxForwards: 70,
    contact: new NameAddr(
      parseUri(`sip:sipconf-probe@${localHost}:${local.port}${transport === 'tcp' ? ';transport=tcp' : ''}`),
    ),
    headers: [
      ['Accept', 'application/sdp'],
      ['User-Agent', 'sipconf-probe'],
    ],
  });
  return { req, branch };
}

/** The response to our request: matching branch (§17.1.3) and a final status; provisional ones are ignored. */
function matchFinal(data: Buffer, branch: string): SipResponse | undefined {
  const r = parse(data, { mode: 'lenient' });
  const m = r.message;
  if (!m || m.isRequest) return undefined;
  try {
    if (m.topVia.branch !== branch || m.cseq.method !== 'OPTIONS') return undefined;
  } catch {
    return undefined;
  }
  return m.status >= 200 ? m : undefined;
}

function success(res: SipResponse, started: number): ProbeResult {
  return {
    ok: true,
    status: res.status,
    reason: res.reason,
    rttMs: Math.round(performance.now() - started),
    server: res.get('server') ?? res.get('user-agent'),
  };
}

export function probeOptions(
  target: Endpoint,
  transport: 'udp' | 'tcp',
  timeoutMs: number,
  opts: ProbeOptions = {},
): Promise<ProbeResult> {
  return transport === 'udp' ? probeUdp(target, timeoutMs, opts) : probeTcp(target, timeoutMs, opts);
}

function probeUdp(target: Endpoint, timeoutMs: number, opts: ProbeOptions): Promise<ProbeResult> {
  const t1 = opts.t1 ?? 500;
  const t2 = opts.t2 ?? 4000;
  const where = formatEndpoint(target);
  return new Promise((resolve) => {
    const sock = dgram.createSocket(target.address.includes(':') ? 'udp6' : 'udp4');
    let done = false;
    let retransmit: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(retransmit);
      clearTimeout(deadline);
      sock.close();
      resolve(r);
    };
    sock.on('error', (e: NodeJS.ErrnoException) => {
      // On a connected UDP socket Linux reports ICMP port unreachable as ECONNREFUSED.
      if (e.code === 'ECONNREFUSED')
        finish({ ok: false, reason: `ICMP port unreachable from ${where} (nothing listens on UDP)` });
      else finish({ ok: false, reason: `UDP error towards ${where}: ${e.message}` });
    });
    // Loopback targets: bind loopback too, so the probe never listens on other interfaces.
    sock.bind(0, isLoopback(target.address) ? target.address : undefined, () => {
      if (done) return;
      sock.connect(target.port, target.address, () => {
        if (done) return;
        const local = sock.address();
        const uri = opts.uri ?? `sip:${where}`;
        const { req, branch } = buildOptions(target, 'udp', { address: local.address, port: local.port }, uri);
        const wire = req.toBuffer();
        const started = performance.now();
        let interval = t1;
        const send = () => {
          if (done) return;
          sock.send(wire, (err) => {
            if (err && !done) finish({ ok: false, reason: `cannot send OPTIONS to ${where}: ${err.message}` });
          });
        };
        const schedule = () => {
          retransmit = setTimeout(() => {
            send();
            interval = Math.min(interval * 2, t2); // §17.1.2.2 Timer E
            schedule();
          }, interval);
        };
        sock.on('message', (data) => {
          const res = matchFinal(data, branch);
          if (res) finish(success(res, started));
        });
        send();
        schedule();
        deadline = setTimeout(
          () => finish({ ok: false, reason: `no answer to OPTIONS from ${where} (udp) within ${timeoutMs} ms` }),
          timeoutMs,
        );
      });
    });
  });
}

function probeTcp(target: Endpoint, timeoutMs: number, opts: ProbeOptions): Promise<ProbeResult> {
  const where = formatEndpoint(target);
  return new Promise((resolve) => {
    let done = false;
    const started = performance.now();
    const sock = net.connect({ host: target.address, port: target.port });
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      sock.destroy();
      resolve(r);
    };
    const deadline = setTimeout(
      () =>
        finish({
          ok: false,
          reason: sock.connecting
            ? `TCP connect to ${where} timed out after ${timeoutMs} ms`
            : `no answer to OPTIONS from ${where} (tcp) within ${timeoutMs} ms`,
        }),
      timeoutMs,
    );
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED')
        finish({ ok: false, reason: `connection refused by ${where} (nothing listens on TCP)` });
      else finish({ ok: false, reason: `TCP error towards ${where}: ${e.message}` });
    });
    sock.on('connect', () => {
      const uri = opts.uri ?? `sip:${where};transport=tcp`;
      const { req, branch } = buildOptions(
        target,
        'tcp',
        { address: sock.localAddress ?? '127.0.0.1', port: sock.localPort ?? 0 },
        uri,
      );
      const framer = new StreamFramer();
      sock.on('data', (chunk) => {
        for (const f of framer.push(chunk)) {
          if (f.kind !== 'message') continue;
          const res = matchFinal(f.data, branch);
          if (res) finish(success(res, started));
        }
      });
      sock.on('close', () =>
        finish({ ok: false, reason: `${where} closed the TCP connection without answering OPTIONS` }),
      );
      sock.write(req.toBuffer());
    });
  });
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
