/**
 * Where a URI points (RFC 3263 without DNS: the harness only talks to IP literals and localhost on loopback or in
 * namespaces it made). `transport=` picks the transport; sips: means TLS (§26.2.2); default ports 5060/5061.
 */
import { SipUri, Uri } from '../sip/uri';
import type { Target } from '../transaction/transaction';
import type { Endpoint, TransportProtocol } from '../transport/types';

export function uriTransport(uri: SipUri, fallback: TransportProtocol = 'udp'): TransportProtocol {
  if (uri.scheme === 'sips') return 'tls';
  const t = uri.transport;
  if (t === 'udp' || t === 'tcp' || t === 'tls') return t;
  return fallback;
}

export function uriEndpoint(uri: SipUri): Endpoint {
  let address = uri.params.get('maddr') ?? uri.hostname;
  if (address === 'localhost') address = '127.0.0.1';
  if (!/^[0-9.]+$/.test(address) && !address.includes(':')) {
    throw new Error(
      `cannot resolve "${address}" in ${uri.toString()}: the harness sends only to IP addresses (no DNS)`,
    );
  }
  const port = uri.port ?? (uri.scheme === 'sips' || uri.transport === 'tls' ? 5061 : 5060);
  return { address, port };
}

export function uriTarget(uri: Uri, fallback: TransportProtocol = 'udp'): Target {
  if (uri.kind !== 'sip') throw new Error(`cannot send to a ${uri.kind} URI (${uri.toString()})`);
  return { remote: uriEndpoint(uri), transport: uriTransport(uri, fallback) };
}
