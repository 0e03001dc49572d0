/**
 * A request as lines, before it becomes bytes: mutations edit the start line, the headers (in order, duplicates
 * allowed) and the body, and may override Content-Length, the line ending, or replace the bytes entirely.
 */
export interface RawMessage {
  startLine: string;
  headers: Array<[string, string]>;
  body: Buffer;
  /** Content-Length value written as is; default the body's length. `null` writes no Content-Length. */
  contentLength?: string | null;
  /** Line ending (default CRLF). */
  eol?: string;
}

export function cloneRaw(m: RawMessage): RawMessage {
  return { ...m, headers: m.headers.map(([n, v]) => [n, v] as [string, string]), body: Buffer.from(m.body) };
}

export function serializeRaw(m: RawMessage): Buffer {
  const eol = m.eol ?? '\r\n';
  const lines = [m.startLine, ...m.headers.map(([n, v]) => `${n}: ${v}`)];
  const cl = m.contentLength === undefined ? String(m.body.length) : m.contentLength;
  if (cl !== null) lines.push(`Content-Length: ${cl}`);
  return Buffer.concat([Buffer.from(lines.join(eol) + eol + eol, 'latin1'), m.body]);
}

export function headerIndex(m: RawMessage, name: string): number {
  const n = name.toLowerCase();
  return m.headers.findIndex(([h]) => h.toLowerCase() === n);
}

export function setHeader(m: RawMessage, name: string, value: string): void {
  const i = headerIndex(m, name);
  if (i >= 0) m.headers[i] = [m.headers[i]![0], value];
  else m.headers.push([name, value]);
}

export function removeHeader(m: RawMessage, name: string): void {
  const n = name.toLowerCase();
  m.headers = m.headers.filter(([h]) => h.toLowerCase() !== n);
}

/** Where the SUT should answer: our address in the top Via (with rport), and a unique branch and Call-ID. */
export interface BaseParams {
  method: 'OPTIONS' | 'INVITE' | 'REGISTER' | 'MESSAGE';
  requestUri: string;
  /** `UDP` or `TCP`. */
  viaTransport: string;
  /** host:port of our listener (IPv6 in brackets). */
  sentBy: string;
  branch: string;
  callId: string;
  fromUri: string;
  toUri: string;
  contact: string;
}

const SDP = [
  'v=0',
  'o=robust 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 49170 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

/** A well-formed request (RFC 3261 §8.1.1) that the mutations start from. */
export function baseRequest(p: BaseParams): RawMessage {
  const headers: Array<[string, string]> = [
    ['Via', `SIP/2.0/${p.viaTransport} ${p.sentBy};branch=${p.branch};rport`],
    ['Max-Forwards', '70'],
    ['From', `"Robustness" <${p.fromUri}>;tag=${p.branch.slice(-10)}`],
    ['To', `<${p.toUri}>`],
    ['Call-ID', p.callId],
    ['CSeq', `1 ${p.method}`],
    ['Contact', `<${p.contact}>`],
    ['User-Agent', 'sipconf-robustness'],
  ];
  let body = Buffer.alloc(0);
  if (p.method === 'INVITE') {
    headers.push(['Content-Type', 'application/sdp']);
    body = Buffer.from(SDP, 'latin1');
  } else if (p.method === 'MESSAGE') {
    headers.push(['Content-Type', 'text/plain']);
    body = Buffer.from('robustness', 'latin1');
  } else if (p.method === 'REGISTER') {
    headers.push(['Expires', '60']);
  }
  return { startLine: `${p.method} ${p.requestUri} SIP/2.0`, headers, body };
}
