/**
 * The trace: every datagram, stream message, keep-alive and injected fault that crosses a transport, with both
 * clocks, addresses, flow id and the exact bytes. Reports (ladder, pcap, raw text) are built from it.
 */
import type { Endpoint, TransportProtocol } from './types';

export type TraceKind = 'sip' | 'keepalive' | 'stun' | 'fault' | 'garbage';

export interface TraceEntry {
  /** Order of recording within its Trace. */
  seq: number;
  /** Monotonic milliseconds (performance.now()) — use for intervals. */
  mono: number;
  /** Wall-clock milliseconds since the epoch — use for display. */
  wall: number;
  direction: 'in' | 'out';
  transport: TransportProtocol;
  local: Endpoint;
  remote: Endpoint;
  flowId: string;
  kind: TraceKind;
  /** Exact bytes on the wire (for SIP: the whole message; for faults: empty, except a message a fault swallowed
   *  (notes "dropped (drop in|out)", "swallowed (silence): KIND"), whose bytes are kept here). */
  data: Buffer;
  /** The agent (or SUT) that owns the local socket, e.g. "alice", "bob", "edge". */
  agent?: string;
  /** Free text: the fault injected ("reset", "silence"), or why bytes were garbage. */
  note?: string;
}

export type TraceInput = Omit<TraceEntry, 'seq' | 'mono' | 'wall'> & Partial<Pick<TraceEntry, 'mono' | 'wall'>>;

/** One check's trace, shared by all the agents of that check. */
export class Trace {
  readonly entries: TraceEntry[] = [];
  private readonly listeners = new Set<(e: TraceEntry) => void>();

  record(input: TraceInput): TraceEntry {
    const entry: TraceEntry = {
      ...input,
      seq: this.entries.length,
      mono: input.mono ?? performance.now(),
      wall: input.wall ?? Date.now(),
    };
    this.entries.push(entry);
    for (const l of this.listeners) l(entry);
    return entry;
  }

  subscribe(listener: (e: TraceEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
