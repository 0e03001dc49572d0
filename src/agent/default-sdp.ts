import type { SipAgent } from './sip-agent';

/** A minimal SDP offer/answer body (RFC 4566) so INVITEs and 200s look like real calls. */
export function defaultSdp(agent: SipAgent): string {
  const a = agent.transport.listeners()[0]?.local.address ?? '127.0.0.1';
  const ip = a.includes(':') ? `IP6 ${a}` : `IP4 ${a}`;
  return [
    'v=0',
    `o=${agent.user} 1 1 IN ${ip}`,
    's=sipconf',
    `c=IN ${ip}`,
    't=0 0',
    'm=audio 49170 RTP/AVP 0',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
}
