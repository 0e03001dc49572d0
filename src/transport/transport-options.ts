/** What a TransportLayer is created with, and how a flow is asked for. */
import type { FramerOptions } from '../sip/framing';
import type { TlsClientOptions } from './stream-sockets';
import type { Trace } from './trace';
import type { Endpoint } from './types';

export interface TransportLayerOptions {
  trace?: Trace;
  /** Recorded on every trace entry. */
  agent?: string;
  /** Answer CRLFCRLF pings with CRLF and STUN Binding requests with a success response (default true). */
  autoPong?: boolean;
  /** SO_RCVBUF / SO_SNDBUF for UDP sockets (default 4 MiB; the kernel caps it at net.core.rmem_max/wmem_max). */
  udpBufferBytes?: number;
  tls?: TlsClientOptions;
  /** Bound on TCP connect + TLS handshake (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Stream framing limits: headers without an end within maxHeaderBytes (default 64 KiB), Content-Length above
   *  maxBodyBytes (default 1 MiB) are framing errors ('garbage', then the flow closes). */
  framing?: FramerOptions;
}

export interface FlowToOptions {
  /** TCP/TLS: always open a new connection (a second flow to the same remote, RFC 5626 §4.2). Ignored for UDP. */
  forceNew?: boolean;
  /** UDP: send from the listening socket bound to this address:port (e.g. a second flow from a second UDP port). */
  local?: Endpoint;
}
