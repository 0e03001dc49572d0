/**
 * The one parser for `HOST:PORT` as users and profiles write it: an IPv4 literal, an IPv6 literal in brackets
 * (`[::1]:5060`, as in a SIP URI, RFC 3261 §25.1 / RFC 5118 §4.2), or `localhost` (taken as 127.0.0.1). The harness
 * resolves no names (no DNS): it sends only to loopback and to namespaces its tests create.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Endpoint } from './types';
import { UsageError } from './usage-error';

export interface ParseEndpointOptions {
  /** When given, a bare HOST (no `:PORT`) is accepted with this port (SIPp's default 5060, for instance). */
  defaultPort?: number;
  /** Names the value in the error, e.g. `--target`. */
  what?: string;
}

const FORM = /^(?:\[([^\]]*)\]|([^:[\]\s]*))(?::([0-9]{1,5}))?$/;

/** `HOST:PORT` → Endpoint; throws UsageError naming the text and what is expected. */
export function parseEndpoint(text: string, opts: ParseEndpointOptions = {}): Endpoint {
  const m = FORM.exec(text.trim());
  const bad = (why: string): never => {
    const what = opts.what ? `${opts.what} ` : '';
    throw new UsageError(
      `${what}"${text}" is not HOST:PORT (${why}; e.g. 127.0.0.1:5060, [::1]:5060 or localhost:5060)`,
    );
  };
  if (!m) return bad('expected an IP address or localhost, then :PORT');
  const [, v6, v4OrName, portText] = m;
  let address: string;
  if (v6 !== undefined) {
    if (!isIPv6(v6)) bad(`[${v6}] is not an IPv6 address`);
    address = v6;
  } else if (v4OrName === 'localhost') address = '127.0.0.1';
  else if (isIPv4(v4OrName!)) address = v4OrName!;
  else if (isIPv6(v4OrName!)) return bad('an IPv6 address goes in brackets');
  else return bad(v4OrName ? `"${v4OrName}" is not an IP address (no DNS)` : 'no host');
  if (portText === undefined) {
    if (opts.defaultPort === undefined) return bad('no port');
    return { address, port: opts.defaultPort };
  }
  const port = Number(portText);
  if (port < 1 || port > 65535) return bad(`port ${portText} is outside 1-65535`);
  return { address, port };
}
