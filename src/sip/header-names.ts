/**
 * The usual header names as nearly every implementation spells them, each with its key and strict check looked up
 * once: the parser recognises them right before their colon (no scan of the name, no slice, no key lookup).
 */
import { headerKey } from './headers';
import { keyInfo, type KeyInfo } from './validate';

export interface KnownHeader {
  name: string;
  /** The name's bytes (ASCII), for knownHeaderAt. */
  codes: Uint8Array;
  key: string;
  /** Its strict check (undefined: none), looked up once here rather than per header. */
  info: KeyInfo | undefined;
}

/** Header names as nearly every implementation spells them, by length and first character (len * 128 + code). */
const KNOWN: Array<KnownHeader[] | undefined> = [];
for (const name of [
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Max-Forwards',
  'Route',
  'Record-Route',
  'Content-Type',
  'Content-Length',
  'Allow',
  'Supported',
  'Require',
  'Proxy-Require',
  'Unsupported',
  'User-Agent',
  'Server',
  'Authorization',
  'Proxy-Authorization',
  'WWW-Authenticate',
  'Proxy-Authenticate',
  'Expires',
  'Min-Expires',
  'Path',
  'Service-Route',
  'Date',
  'Subject',
  'Event',
  'Allow-Events',
  'Accept',
  'Warning',
  'Refer-To',
  'Reply-To',
  'Retry-After',
  'Session-Expires',
  'Min-SE',
  'RSeq',
  'RAck',
  'Privacy',
  'P-Asserted-Identity',
  'Content-Disposition',
  'Content-Encoding',
  'Accept-Encoding',
  'Accept-Language',
  'Subscription-State',
  'Referred-By',
  'Timestamp',
  'Organization',
  'Priority',
  'Call-Info',
  'Alert-Info',
  'Error-Info',
  'MIME-Version',
  'Replaces',
  'Call-Id',
  'Cseq',
]) {
  const key = headerKey(name);
  (KNOWN[name.length * 128 + name.charCodeAt(0)] ??= []).push({
    name,
    codes: new Uint8Array(Buffer.from(name, 'latin1')),
    key,
    info: keyInfo(key),
  });
}

/** The table entry spelled exactly like head[from, to), or undefined. */
export function knownHeader(head: string, from: number, to: number): KnownHeader | undefined {
  const first = head.charCodeAt(from);
  if (first >= 128) return undefined;
  const candidates = KNOWN[(to - from) * 128 + first];
  if (candidates === undefined) return undefined;
  for (let c = 0; c < candidates.length; c++) {
    if (head.startsWith(candidates[c]!.name, from)) return candidates[c];
  }
  return undefined;
}

/** knownHeader on the received bytes b[from, to), compared byte by byte (no string built or searched). */
export function knownHeaderAt(b: Uint8Array, from: number, to: number): KnownHeader | undefined {
  const first = b[from]!;
  if (first >= 128) return undefined;
  const candidates = KNOWN[(to - from) * 128 + first];
  if (candidates === undefined) return undefined;
  next: for (let c = 0; c < candidates.length; c++) {
    const codes = candidates[c]!.codes;
    for (let k = 1; k < codes.length; k++) if (b[from + k] !== codes[k]) continue next;
    return candidates[c];
  }
  return undefined;
}
