/**
 * The raw trace as plain text, for the report attachment and for terminals: one block per entry with wall time
 * (ISO), offset from the first entry, direction, transport, both endpoints, flow id, then the message itself.
 * Secrets (SUT passwords from the profile) are masked everywhere in the output.
 */
import type { TraceEntry } from '../transport/trace';
import { formatEndpoint } from '../transport/types';
import { labelEntry, maskSecrets, safeMessageText } from './entry-label';

export interface TraceTextOptions {
  /** Strings that must never appear in the output (passwords): each is replaced by "********". */
  secrets?: readonly string[];
  /** Display names for endpoints, keyed "127.0.0.1:5060" or "[::1]:5060", e.g. { "127.0.0.1:5060": "SUT" }. */
  endpointNames?: Readonly<Record<string, string>>;
  /** Indent for message lines (default four spaces). */
  indent?: string;
}

function offsetText(ms: number): string {
  return `+${ms.toFixed(3)}ms`;
}

/** One header line for an entry, e.g.
 * `#3 2026-11-24T05:19:50.123Z +12.000ms alice 127.0.0.1:40000 → SUT 127.0.0.1:5060 UDP flow=u1 INVITE` */
export function traceEntryHeader(e: TraceEntry, firstMono: number, opts: TraceTextOptions = {}): string {
  const name = (ep: { address: string; port: number }, fallback?: string): string => {
    const key = formatEndpoint(ep);
    const n = opts.endpointNames?.[key] ?? fallback;
    return n ? `${n} ${key}` : key;
  };
  const local = name(e.local, e.agent);
  const remote = name(e.remote);
  const arrow = e.direction === 'out' ? `${local} → ${remote}` : `${local} ← ${remote}`;
  const label = labelEntry(e).text;
  return `#${e.seq} ${new Date(e.wall).toISOString()} ${offsetText(e.mono - firstMono)} ${arrow} ${e.transport.toUpperCase()} flow=${e.flowId} ${label}`;
}

/** Renders the whole trace. Empty trace → "(no messages)\n". */
export function renderTraceText(entries: readonly TraceEntry[], opts: TraceTextOptions = {}): string {
  if (entries.length === 0) return '(no messages)\n';
  const indent = opts.indent ?? '    ';
  const firstMono = Math.min(...entries.map((e) => e.mono));
  const blocks: string[] = [];
  for (const e of entries) {
    const lines = [traceEntryHeader(e, firstMono, opts)];
    if (e.kind === 'fault') {
      if (e.note) lines.push(`${indent}(fault injected/observed: ${e.note})`);
    } else if (e.kind === 'keepalive') {
      lines.push(`${indent}${JSON.stringify(e.data.toString('latin1'))}`);
    } else {
      const body = safeMessageText(e.data);
      lines.push(
        ...body
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => indent + l),
      );
      if (e.kind === 'garbage' && e.note) lines.push(`${indent}(garbage: ${e.note})`);
    }
    blocks.push(lines.join('\n'));
  }
  return maskSecrets(blocks.join('\n\n') + '\n', opts.secrets);
}
