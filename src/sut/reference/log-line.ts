/**
 * One line per message for the reference SUT's log:
 *   12:00:01.234 ← 127.0.0.1:40000 udp INVITE sip:bob@127.0.0.1 (Call-ID 4f2a…)
 * built from the trace entries the SUT's own transport records.
 */
import type { TraceEntry } from '../../transport/trace';
import { formatEndpoint } from '../../transport/types';

export function clock(wall: number): string {
  return new Date(wall).toISOString().slice(11, 23);
}

export function formatLogLine(e: TraceEntry): string {
  const arrow = e.direction === 'in' ? '←' : '→';
  const head = `${clock(e.wall)} ${arrow} ${formatEndpoint(e.remote)} ${e.transport}`;
  switch (e.kind) {
    case 'sip': {
      const text = e.data.subarray(0, Math.min(e.data.length, 4096)).toString('latin1');
      const first = text.slice(0, text.search(/\r?\n|$/));
      const summary = first.startsWith('SIP/2.0 ') ? first.slice(8) : first.replace(/ SIP\/2\.0$/, '');
      const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(text)?.[1];
      const cseq = first.startsWith('SIP/2.0 ') ? /^CSeq[ \t]*:[ \t]*\d+\s+(\S+)/im.exec(text)?.[1] : undefined;
      return `${head} ${summary}${cseq ? ` (${cseq})` : ''}${callId ? ` (Call-ID ${callId})` : ''}`;
    }
    case 'keepalive':
      return `${head} keep-alive ${e.data.length >= 4 ? 'ping (CRLFCRLF)' : 'pong (CRLF)'}`;
    case 'stun':
      return `${head} STUN keep-alive (${e.data.length} bytes)`;
    case 'fault':
      return `${head} flow ${e.flowId}: ${e.note ?? 'fault'}`;
    case 'garbage':
      return `${head} ${e.data.length} bytes of garbage${e.note ? `: ${e.note}` : ''}`;
    default:
      return `${head} ${e.kind}`;
  }
}
