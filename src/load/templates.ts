/**
 * The load engine's messages, built from pre-computed constant parts and a few per-call fields (Call-ID, tags,
 * branch, CSeq) into one string per message: no message object, no header map, no serializer on the hot path.
 * The shapes follow RFC 3261 §8.1.1 (mandatory request headers), §8.2.6.2 (responses copy Via/From/To/Call-ID/CSeq),
 * §13.2.2.4 (ACK for 2xx: a new transaction, in the dialog), §17.1.1.3 (ACK for non-2xx: the INVITE's branch) and
 * §15.1.1 (BYE within the dialog).
 */
import type { Endpoint } from '../transport/types';
import { formatEndpoint } from '../transport/types';

/** The load engine's transports: UDP (datagrams, with retransmissions) and TCP (one stream per flow). */
export type LoadTransport = 'udp' | 'tcp';

/** The URI parameter that asks for our transport: none for UDP, the default (§19.1.1). */
export function contactTransportParam(transport: LoadTransport): string {
  return transport === 'udp' ? '' : `;transport=${transport}`;
}

/** RFC 3261 §8.1.1.7: every branch starts with the magic cookie. */
export const BRANCH_COOKIE = 'z9hG4bK';

export function sdpFor(address: string, port: number): string {
  const ip = address.includes(':') ? `IN IP6 ${address}` : `IN IP4 ${address}`;
  return `v=0\r\no=sipconf 1 1 ${ip}\r\ns=-\r\nc=${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
}

/** The per-run constant parts of a UAC's requests. */
export class UacTemplates {
  readonly localHostPort: string;
  readonly targetUri: string;
  private readonly viaPrefix: string;
  private readonly fromPrefix: string;
  private readonly toHeader: string;
  private readonly contactHeader: string;
  private readonly inviteLine: string;
  private readonly sdp: string;
  private readonly sdpLength: number;
  private readonly registerLine: string;

  /** `;transport=tcp` on our Contact URIs over TCP (RFC 3261 §19.1.1), so requests to us come back over TCP. */
  private readonly uriTransport: string;

  constructor(
    local: Endpoint,
    target: Endpoint,
    readonly service: string,
    readonly domain: string,
    readonly transport: LoadTransport = 'udp',
  ) {
    this.localHostPort = formatEndpoint(local);
    const targetHp = formatEndpoint(target);
    this.targetUri = `sip:${service}@${targetHp}`;
    this.uriTransport = contactTransportParam(transport);
    this.viaPrefix = `Via: SIP/2.0/${transport.toUpperCase()} ${this.localHostPort};branch=${BRANCH_COOKIE}`;
    this.fromPrefix = `From: <sip:sipconf@${this.localHostPort}>;tag=`;
    this.toHeader = `To: <sip:${service}@${targetHp}>\r\n`;
    this.contactHeader = `Contact: <sip:sipconf@${this.localHostPort}${this.uriTransport}>\r\n`;
    this.inviteLine = `INVITE ${this.targetUri} SIP/2.0\r\n`;
    this.sdp = sdpFor(local.address, 6000);
    this.sdpLength = Buffer.byteLength(this.sdp);
    this.registerLine = `REGISTER sip:${domain} SIP/2.0\r\n`;
  }

  invite(branch: string, tag: string, callId: string): string {
    return (
      this.inviteLine +
      `${this.viaPrefix}${branch};rport\r\nMax-Forwards: 70\r\n${this.fromPrefix}${tag}\r\n${this.toHeader}Call-ID: ${callId}\r\nCSeq: 1 INVITE\r\n` +
      `${this.contactHeader}Subject: sipconf load\r\nContent-Type: application/sdp\r\nContent-Length: ${this.sdpLength}\r\n\r\n${this.sdp}`
    );
  }

  /** §17.1.1.3: the ACK of a non-2xx final response is part of the INVITE transaction (same branch, same R-URI). */
  ackNon2xx(branch: string, tag: string, callId: string, to: string): string {
    return `ACK ${this.targetUri} SIP/2.0\r\n${this.viaPrefix}${branch};rport\r\nMax-Forwards: 70\r\n${this.fromPrefix}${tag}\r\nTo: ${to}\r\nCall-ID: ${callId}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`;
  }

  /**
   * A request within the dialog (§12.2.1.1): Request-URI the remote target (its Contact), Route the route set (the
   * 2xx's Record-Route in reverse order, §12.1.2; loose routing assumed), To with the remote tag.
   */
  inDialog(
    method: 'ACK' | 'BYE',
    cseq: number,
    branch: string,
    tag: string,
    callId: string,
    to: string,
    remoteTarget: string,
    routes: string,
  ): string {
    return (
      `${method} ${remoteTarget || this.targetUri} SIP/2.0\r\n${this.viaPrefix}${branch};rport\r\nMax-Forwards: 70\r\n${routes}${this.fromPrefix}${tag}\r\n` +
      `To: ${to}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} ${method}\r\nContent-Length: 0\r\n\r\n`
    );
  }

  /** RFC 3261 §10.2: a REGISTER binding `user`'s AOR to our address. */
  register(branch: string, tag: string, callId: string, user: string, cseq: number, expires: number): string {
    const aor = `<sip:${user}@${this.domain}>`;
    return (
      `${this.registerLine}${this.viaPrefix}${branch};rport\r\nMax-Forwards: 70\r\nFrom: ${aor};tag=${tag}\r\nTo: ${aor}\r\nCall-ID: ${callId}\r\n` +
      `CSeq: ${cseq} REGISTER\r\nContact: <sip:${user}@${this.localHostPort}${this.uriTransport}>;expires=${expires}\r\nContent-Length: 0\r\n\r\n`
    );
  }

  /** RFC 5626 §4.2: an outbound registration (instance and reg-id on the Contact, Supported: outbound, path). */
  registerOutbound(
    branch: string,
    tag: string,
    callId: string,
    user: string,
    cseq: number,
    expires: number,
    instance: string,
  ): string {
    const aor = `<sip:${user}@${this.domain}>`;
    return (
      `${this.registerLine}${this.viaPrefix}${branch};rport\r\nMax-Forwards: 70\r\nFrom: ${aor};tag=${tag}\r\nTo: ${aor}\r\nCall-ID: ${callId}\r\n` +
      `CSeq: ${cseq} REGISTER\r\nSupported: outbound, path\r\nContact: <sip:${user}@${this.localHostPort}${this.uriTransport};ob>;+sip.instance="${instance}";reg-id=1;expires=${expires}\r\nContent-Length: 0\r\n\r\n`
    );
  }
}

/** Route header lines for a UAC's route set: the Record-Route entries in reverse order (§12.1.2). */
export function uacRouteHeaders(recordRoute: readonly string[]): string {
  let out = '';
  for (let i = recordRoute.length - 1; i >= 0; i--) out += `Route: ${recordRoute[i]}\r\n`;
  return out;
}

/** A UAS response copying the request's Via lines, From, To (with our tag when the To had none), Call-ID, CSeq. */
export function response(
  status: number,
  reason: string,
  vias: string,
  from: string,
  to: string,
  callId: string,
  cseq: number,
  method: string,
  extra: string,
  body: string,
): string {
  return `SIP/2.0 ${status} ${reason}\r\n${vias}From: ${from}\r\nTo: ${to}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} ${method}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
