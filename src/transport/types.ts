/**
 * The transport layer's contract (RFC 3261 §18, RFC 5626 flows). Layers above see only these types.
 */
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
