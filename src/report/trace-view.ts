/**
 * When two agents of one check talk to each other, the trace holds each message twice: 'out' at the sender and
 * 'in' at the receiver. Drawings (ladder) and captures (pcap) must show it once; the raw text keeps both records.
 */
import { createHash } from 'node:crypto';
import type { TraceEntry } from '../transport/trace';
import { formatEndpoint } from '../transport/types';

/** Entries sorted by seq, minus the receiving-side copy of messages exchanged between two agents of the trace. */
export function withoutMirrors(entries: readonly TraceEntry[]): TraceEntry[] {
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  const owned = new Set(sorted.filter((e) => e.agent !== undefined).map((e) => formatEndpoint(e.local)));
  // Per message key, how many copies seen from each side that are still waiting for their mirror.
  const pending = new Map<string, { in: number; out: number }>();
  const out: TraceEntry[] = [];
  for (const e of sorted) {
    if (e.kind === 'fault' || !owned.has(formatEndpoint(e.local)) || !owned.has(formatEndpoint(e.remote))) {
      out.push(e);
      continue;
    }
    const [src, dst] = e.direction === 'out' ? [e.local, e.remote] : [e.remote, e.local];
    const key = `${formatEndpoint(src)}>${formatEndpoint(dst)}|${e.transport}|${e.kind}|${createHash('sha1').update(e.data).digest('hex')}`;
    const p = pending.get(key) ?? { in: 0, out: 0 };
    pending.set(key, p);
    const other = e.direction === 'out' ? 'in' : 'out';
    if (p[other] > 0) {
      p[other]--; // this is the other side's record of a message already kept
      continue;
    }
    p[e.direction]++;
    out.push(e);
  }
  return out;
}
