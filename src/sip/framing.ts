/**
 * Message framing on stream transports (RFC 3261 §18.3): a message ends Content-Length bytes after the blank line
 * that ends its headers. Between messages a peer may send CRLF keep-alives (RFC 5626 §3.5.1): a double CRLF is a
 * ping, a single CRLF a pong. The framer accepts partial reads and emits whole messages and keep-alives.
 */
import { findHeaderEnd } from './parser';

export type Frame =
  | { kind: 'message'; data: Buffer }
  | { kind: 'ping' }
  | { kind: 'pong' }
  | { kind: 'error'; message: string; data: Buffer };

export interface FramerOptions {
  /** A header section larger than this without its end is a framing error (protects memory). */
  maxHeaderBytes?: number;
  /** A Content-Length larger than this is a framing error. */
  maxBodyBytes?: number;
}

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*([0-9]+)[ \t]*$/im;

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;

  constructor(opts: FramerOptions = {}) {
    this.maxHeaderBytes = opts.maxHeaderBytes ?? 64 * 1024;
    this.maxBodyBytes = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  }

  /** Bytes received but not yet framed. */
  get pending(): number {
    return this.buf.length;
  }

  /**
   * Frames what `chunk` completes. `awaitingPong` says the flow has sent a ping and waits for its pong: only then
   * is a lone CRLF at the end of the bytes a pong. Otherwise it is held until the next bytes, because a ping
   * (CRLFCRLF) may arrive split across two reads; answering its first half as a pong and its second half as
   * another would leave the peer's ping unanswered (RFC 5626 §3.5.1).
   */
  push(chunk: Buffer, opts: { awaitingPong?: boolean } = {}): Frame[] {
    // A lone CRLF held from an earlier read, which the new bytes now resolve.
    let held = this.buf.length === 2 && this.buf[0] === 13 && this.buf[1] === 10;
    let awaitingPong = opts.awaitingPong === true;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      // Keep-alives between messages: CRLFCRLF = ping, CRLF = pong (RFC 5626 §3.5.1).
      if (this.buf.length >= 2 && this.buf[0] === 13 && this.buf[1] === 10) {
        if (this.buf.length >= 4 && this.buf[2] === 13 && this.buf[3] === 10) {
          // A held stray CRLF followed by the pong to the ping we have just sent: one pong (the stray one is
          // ignored as CRLF before a start line, RFC 3261 §7.5); otherwise a ping.
          frames.push(held && awaitingPong ? { kind: 'pong' } : { kind: 'ping' });
          if (held && awaitingPong) awaitingPong = false;
          held = false;
          this.buf = this.buf.subarray(4);
          continue;
        }
        held = false;
        if (this.buf.length === 2) {
          if (!awaitingPong) break; // hold it: the rest of a ping may follow
          awaitingPong = false;
          frames.push({ kind: 'pong' });
          this.buf = this.buf.subarray(2);
          continue;
        }
        if (this.buf[2] !== 13) {
          frames.push({ kind: 'pong' });
          this.buf = this.buf.subarray(2);
          continue;
        }
        break; // "\r\n\r" — wait for the next byte
      }
      held = false;
      if (this.buf.length === 0) break;
      const end = findHeaderEnd(this.buf, 0, false);
      if (!end) {
        if (this.buf.length > this.maxHeaderBytes) {
          frames.push({
            kind: 'error',
            message: `no end of headers within ${this.maxHeaderBytes} bytes`,
            data: this.buf,
          });
          this.buf = Buffer.alloc(0);
        }
        break;
      }
      const head = this.buf.toString('latin1', 0, end.headEnd);
      const m = CONTENT_LENGTH.exec(head);
      if (!m) {
        frames.push({
          kind: 'error',
          message: 'message on a stream transport without Content-Length (§18.3)',
          data: this.buf.subarray(0, end.bodyStart),
        });
        this.buf = this.buf.subarray(end.bodyStart);
        continue;
      }
      const cl = Number(m[1]);
      if (cl > this.maxBodyBytes) {
        frames.push({
          kind: 'error',
          message: `Content-Length ${cl} exceeds the ${this.maxBodyBytes}-byte limit`,
          data: this.buf,
        });
        this.buf = Buffer.alloc(0);
        break;
      }
      const total = end.bodyStart + cl;
      if (this.buf.length < total) break;
      frames.push({ kind: 'message', data: this.buf.subarray(0, total) });
      this.buf = this.buf.subarray(total);
    }
    if (this.buf.length === 0) this.buf = Buffer.alloc(0);
    return frames;
  }
}
