/**
 * Short descriptions of trace entries shared by the ladder, the text trace and the pcap: what a reader of a report
 * needs to see at a glance (method, status + CSeq method, keep-alive, STUN, fault), and safe text for raw bytes.
 */
import { parse, type SipMessage } from '../sip';
import type { TraceEntry } from '../transport/trace';
import { formatEndpoint } from '../transport/types';

export interface EntryLabel {
  /** "INVITE", "200 OK (INVITE)", "CRLF ping", "STUN", "flow reset", "garbage". */
  text: string;
  /** The request method, or the CSeq method of a response. */
  method?: string;
  status?: number;
  /** Drawn in red: faults on a flow and 430 Flow Failed (RFC 5626 §5.3 / §11.5). */
  fault: boolean;
  /** Drawn lighter: CRLF keep-alives (RFC 5626 §3.5.1) and STUN (RFC 5626 §4.4.2 / RFC 5389). */
  minor: boolean;
}

function parseSip(data: Buffer): SipMessage | undefined {
  try {
    return parse(data, { mode: 'lenient' }).message;
  } catch {
    return undefined;
  }
}

function firstLine(data: Buffer): string {
  const s = data.subarray(0, 200).toString('latin1');
  const i = s.search(/\r?\n/);
  return (i < 0 ? s : s.slice(0, i)).trim();
}

/** Labels one entry. Never throws, whatever the bytes. */
export function labelEntry(e: TraceEntry): EntryLabel {
  switch (e.kind) {
    case 'keepalive': {
      // RFC 5626 §3.5.1: ping is CRLFCRLF, pong is a single CRLF.
      const t = e.data.equals(Buffer.from('\r\n'))
        ? 'CRLF pong'
        : e.data.equals(Buffer.from('\r\n\r\n'))
          ? 'CRLF ping'
          : 'keep-alive';
      return { text: t, fault: false, minor: true };
    }
    case 'stun':
      return { text: stunLabel(e.data), fault: false, minor: true };
    case 'fault':
      return { text: `flow ${e.note ?? 'fault'}`, fault: true, minor: false };
    case 'garbage':
      return { text: `garbage${e.note ? `: ${e.note}` : ''}`, fault: true, minor: false };
    case 'sip': {
      const m = parseSip(e.data);
      if (!m) return { text: firstLine(e.data) || `${e.data.length} bytes`, fault: false, minor: false };
      let cseqMethod: string | undefined;
      try {
        cseqMethod = m.cseq.method;
      } catch {
        cseqMethod = undefined;
      }
      if (m.isRequest) return { text: m.method, method: m.method, fault: false, minor: false };
      return {
        text: `${m.status} ${m.reason}${cseqMethod ? ` (${cseqMethod})` : ''}`,
        method: cseqMethod,
        status: m.status,
        fault: m.status === 430,
        minor: false,
      };
    }
  }
}

/** STUN message type (RFC 5389 §6): class and method, e.g. "STUN Binding request". */
function stunLabel(d: Buffer): string {
  if (d.length < 20) return 'STUN';
  const type = d.readUInt16BE(0);
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = ((type & 0x0100) >> 7) | ((type & 0x0010) >> 4);
  const clsName = ['request', 'indication', 'success', 'error'][cls];
  return method === 1 ? `STUN Binding ${clsName}` : `STUN ${clsName}`;
}

/** "udp", "tcp flow f3" — compact transport/flow text. */
export function transportText(e: TraceEntry): string {
  return e.transport === 'udp' ? `UDP ${e.flowId}` : `${e.transport.toUpperCase()} ${e.flowId}`;
}

export { formatEndpoint };

/**
 * Masks every secret (and its percent-encoded form) in text with "********". Empty secrets are ignored; longer
 * secrets are replaced first so a secret that contains another one is masked whole.
 */
export function maskSecrets(text: string, secrets: readonly string[] | undefined): string {
  if (!secrets || secrets.length === 0) return text;
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
  }
  let out = text;
  for (const f of [...forms].sort((a, b) => b.length - a.length)) out = out.split(f).join('********');
  return out;
}

/** True when the bytes are UTF-8 text with no control characters other than TAB, CR, LF. */
export function isPrintableText(b: Buffer): boolean {
  const s = b.toString('utf8');
  if (s.includes('\uFFFD') && !b.includes(Buffer.from('\uFFFD', 'utf8'))) return false;
  // eslint-disable-next-line no-control-regex -- the control characters are what this test looks for
  return !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s);
}

/** A classic 16-bytes-per-line hex dump, at most `max` bytes, with a note when cut. */
export function hexDump(b: Buffer, max = 512): string {
  const lines: string[] = [];
  const n = Math.min(b.length, max);
  for (let off = 0; off < n; off += 16) {
    const chunk = b.subarray(off, Math.min(off + 16, n));
    const hex = [...chunk].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...chunk].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${off.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (b.length > max) lines.push(`… ${b.length - max} more bytes`);
  return lines.join('\n');
}

/**
 * The raw message as safe text: the SIP head as is; a printable body as is; a binary body (or a binary datagram)
 * as a hex dump. Line ends are normalised to "\n".
 */
export function safeMessageText(data: Buffer): string {
  if (data.length === 0) return '';
  if (isPrintableText(data)) return data.toString('utf8').replace(/\r\n/g, '\n');
  let split = data.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (split < 0) {
    split = data.indexOf('\n\n');
    sepLen = 2;
  }
  if (split > 0 && isPrintableText(data.subarray(0, split))) {
    const head = data.subarray(0, split).toString('utf8').replace(/\r\n/g, '\n');
    const body = data.subarray(split + sepLen);
    return `${head}\n\n[binary body, ${body.length} bytes]\n${hexDump(body)}`;
  }
  return `[binary, ${data.length} bytes]\n${hexDump(data)}`;
}

export function endpointKey(e: { address: string; port: number }): string {
  return formatEndpoint(e);
}
