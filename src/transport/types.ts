/**
 * The transport layer's contract (RFC 3261 §18, RFC 5626 flows). Layers above see only these types.
 */
import type { TraceKind } from './trace';

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

/** An IP literal (no brackets for IPv6) and a port. */
export interface Endpoint {
  address: string;
  port: number;
}

export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** A send that failed at the transport (§8.1.3.1, §17.1.4): the transaction layer reports it to its user. */
export class TransportError extends Error {
  constructor(
    message: string,
    public readonly flowId?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Flows (RFC 5626 §3.3, §5): one connection (TCP/TLS) or one 5-tuple (UDP) = one flow.

/** Why a flow ended: the peer closed it (FIN / close_notify), reset it (RST), a socket/framing error, or we did. */
export type FlowCloseReason = 'fin' | 'reset' | 'error' | 'local';

/** Which way a fault applies: messages we receive, messages we send, or the next ones in either direction. */
export type FaultDirection = 'in' | 'out' | 'both';

export interface Flow {
  /** Unique and stable, e.g. "udp:127.0.0.1:5060-127.0.0.1:40000#3". */
  readonly id: string;
  readonly transport: TransportProtocol;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** tcp/tls. */
  readonly reliable: boolean;
  readonly closed: boolean;
  /** Why it closed (undefined while open). */
  readonly closeReason?: FlowCloseReason;
  /** Rejects with TransportError (closed flow, socket error, reset...). Resolves once the bytes are handed to the
   *  kernel (or deliberately swallowed by an injected fault). */
  send(data: Buffer, kind?: TraceKind): Promise<void>;
  // Fault injection, callable at any moment of a check. Each call is recorded in the trace (kind 'fault').
  /** Graceful close: FIN (TLS: close_notify + FIN). UDP: forget the flow (later traffic makes a new one). */
  close(): Promise<void>;
  /** TCP/TLS: RST (SO_LINGER 0). UDP: forget the flow. */
  reset(): void;
  /** Swallow everything both ways (SIP, keep-alives, STUN) while the socket stays open. */
  silence(on?: boolean): void;
  /** Delay every later send and delivery by ms (0 = off). */
  delay(ms: number): void;
  /** Drop the next n SIP messages: 'in' received, 'out' sent, 'both' (default) the next n in either direction. */
  drop(n: number, direction?: FaultDirection): void;
  /** Send the next n outbound SIP messages twice. */
  duplicate(n: number): void;
  /** Stream: CRLFCRLF (RFC 5626 §3.5.1). UDP: STUN Binding request (RFC 5389, RFC 5626 §4.4.2). Resolves when sent;
   *  the answer is the layer's 'pong' event. */
  ping(): Promise<void>;
}

export interface InboundMessage {
  data: Buffer;
  flow: Flow;
}

export interface TlsServerOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** When given, client certificates are requested and checked against it (mutual TLS). */
  ca?: string | Buffer;
  /** Server: reject clients without a valid certificate (default: true when `ca` is given). */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface ListenOptions {
  transport: TransportProtocol;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  tls?: TlsServerOptions;
}

export interface Listener {
  readonly transport: TransportProtocol;
  readonly local: Endpoint;
  /** IP family of the listening socket (always set by TransportLayer). */
  readonly family?: 4 | 6;
  /** UDP: SO_RCVBUF as the kernel reports it (Linux doubles the request, capped by net.core.rmem_max). */
  readonly recvBufferBytes?: number;
  /** UDP: SO_SNDBUF as the kernel reports it. */
  readonly sendBufferBytes?: number;
}
