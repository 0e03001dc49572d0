/**
 * Opening stream sockets before they become flows: an outbound TCP/TLS connection bounded by a timeout, and the
 * server side of an inbound TLS handshake (RFC 3261 §26.2), bounded too. Either can be aborted when the transport
 * layer closes; a socket that fails never becomes a flow.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ListenOptions } from './types';
import { Endpoint, TransportError, formatEndpoint } from './types';

const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Sockets of one transport layer still opening: each entry aborts one, clearing its timer. */
export interface SocketsOpening {
  readonly aborts: Set<() => void>;
  /** Whether the transport layer is closing (a socket that opens then is destroyed). */
  closing(): boolean;
}

export interface TlsClientOptions {
  /** Trusted CA(s) for the server certificate. */
  ca?: string | Buffer;
  /** Verify the server certificate (default TRUE; pass false explicitly to accept any). */
  rejectUnauthorized?: boolean;
  /** Client certificate and key (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** SNI / name to check; default: the remote address (checked against the certificate's IP SANs). */
  servername?: string;
}

/**
 * Connects to `remote` (TLS: and completes the handshake, verifying the server unless told not to), then calls
 * `opened` synchronously with the sockets, so that the flow it makes has its listeners before any I/O event.
 */
export function connectStream<F>(
  remote: Endpoint,
  transport: 'tcp' | 'tls',
  settings: { tls: TlsClientOptions; timeoutMs: number },
  opening: SocketsOpening,
  opened: (sock: net.Socket | tls.TLSSocket, raw: net.Socket) => F,
): Promise<F> {
  const target = formatEndpoint(remote);
  return new Promise<F>((resolve, reject) => {
    const raw = net.connect({ host: remote.address, port: remote.port, noDelay: true });
    let sock: net.Socket | tls.TLSSocket = raw;
    if (transport === 'tls') {
      const c = settings.tls;
      sock = tls.connect({
        socket: raw,
        host: remote.address,
        rejectUnauthorized: c.rejectUnauthorized ?? true,
        ...(c.ca ? { ca: c.ca } : {}),
        ...(c.cert ? { cert: c.cert } : {}),
        ...(c.key ? { key: c.key } : {}),
        ...(c.servername ? { servername: c.servername } : {}),
      });
    }
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opening.aborts.delete(abort);
      sock.off('error', finish);
      raw.off('error', finish);
      if (err || opening.closing()) {
        sock.destroy();
        raw.destroy();
        const why = err ? err.message : 'transport layer closed';
        reject(
          err instanceof TransportError ? err : new TransportError(`${transport} connect to ${target} failed: ${why}`),
        );
        return;
      }
      resolve(opened(sock, raw));
    };
    const abort = (): void =>
      finish(new TransportError(`${transport} connect to ${target} aborted: transport layer closed`));
    opening.aborts.add(abort);
    const timer = setTimeout(
      () => finish(new TransportError(`${transport} connect to ${target} timed out after ${settings.timeoutMs} ms`)),
      settings.timeoutMs,
    );
    sock.once('error', finish);
    if (sock !== raw) raw.once('error', finish);
    sock.once(transport === 'tls' ? 'secureConnect' : 'connect', () => finish());
  });
}

/**
 * The server side of a TLS handshake on an accepted connection: `secure` once it succeeded (the client's certificate
 * is required when the listener has a CA), `failed` when it did not within the bound; a client that goes away
 * mid-handshake is dropped silently.
 */
export function acceptTls(
  raw: net.Socket,
  ctx: tls.SecureContext,
  t: ListenOptions['tls'],
  opening: SocketsOpening,
  on: { secure(sock: tls.TLSSocket): void; failed(err: Error, remote: Endpoint): void },
): void {
  const remote = { address: raw.remoteAddress ?? '', port: raw.remotePort ?? 0 };
  const requestCert = t?.ca !== undefined;
  const sock = new tls.TLSSocket(raw, {
    isServer: true,
    secureContext: ctx,
    requestCert,
    rejectUnauthorized: t?.rejectUnauthorized ?? requestCert,
  });
  const fail = (err: Error): void => {
    clearTimeout(timer);
    opening.aborts.delete(abort);
    sock.destroy();
    raw.destroy();
    on.failed(err, remote);
  };
  const abort = (): void => {
    clearTimeout(timer);
    opening.aborts.delete(abort);
    sock.destroy();
    raw.destroy();
  };
  opening.aborts.add(abort);
  const timer = setTimeout(
    () => fail(new TransportError(`TLS handshake from ${formatEndpoint(remote)} timed out`)),
    TLS_HANDSHAKE_TIMEOUT_MS,
  );
  sock.once('error', fail);
  raw.once('error', fail);
  raw.once('close', abort); // the client went away mid-handshake without an error
  sock.once('secure', () => {
    clearTimeout(timer);
    sock.off('error', fail);
    raw.off('error', fail);
    raw.off('close', abort);
    opening.aborts.delete(abort);
    if (opening.closing() || raw.destroyed) {
      raw.destroy();
      return;
    }
    on.secure(sock);
  });
}
