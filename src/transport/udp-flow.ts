/**
 * A UDP 5-tuple as a flow (RFC 5626 §3.3): our listening socket and one remote address:port. Closing it only
 * forgets it; the next datagram from that remote makes a new flow. Keep-alive is STUN (RFC 5626 §4.4.2, §8).
 */
import type { Socket as DgramSocket } from 'node:dgram';
import { BaseFlow } from './flow-base';
import type { FlowHost, Inbound } from './flow-base';
import {
  decodeStun,
  encodeBindingRequest,
  encodeBindingSuccess,
  newTransactionId,
  STUN_BINDING_REQUEST,
  STUN_BINDING_SUCCESS,
} from './stun';
import { TransportError } from './types';
import type { Endpoint } from './types';

export class UdpFlow extends BaseFlow {
  readonly reliable = false;
  /** Transaction ids (hex) of our STUN Binding requests not yet answered. */
  private readonly stunOutstanding = new Set<string>();

  constructor(
    host: FlowHost,
    private readonly socket: DgramSocket,
    local: Endpoint,
    remote: Endpoint,
  ) {
    super('udp', local, remote, host);
  }

  protected write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.socket.send(data, this.remote.port, this.remote.address, (err) =>
          err ? reject(new TransportError(`send on ${this.id} failed: ${err.message}`, this.id)) : resolve(),
        );
      } catch (err) {
        reject(new TransportError(`send on ${this.id} failed: ${(err as Error).message}`, this.id));
      }
    });
  }

  /** RFC 5626 §4.4.2: a STUN Binding request; the Binding success response is reported as 'pong'. */
  async ping(): Promise<void> {
    if (this.closed)
      throw new TransportError(`cannot ping on ${this.id}: flow is closed (${this.closeReason})`, this.id);
    const tid = newTransactionId();
    this.stunOutstanding.add(tid.toString('hex'));
    this.pingsOutstanding.push(performance.now());
    await this.send(encodeBindingRequest(tid), 'stun');
  }

  protected handle(unit: Inbound): void {
    switch (unit.kind) {
      case 'sip':
        this.host.deliver(this, unit.data);
        return;
      case 'ping': // a CRLFCRLF datagram (some UAs send it on UDP); there is no CRLF pong on UDP
        this.host.notify('ping', this);
        return;
      case 'pong':
        this.pongReceived();
        return;
      case 'stun':
        this.handleStun(unit.data);
        return;
    }
  }

  private handleStun(data: Buffer): void {
    const msg = decodeStun(data);
    if (!msg) return;
    if (msg.type === STUN_BINDING_REQUEST) {
      this.host.notify('ping', this);
      // RFC 5389 §7.3.1: answer with where the request came from, in XOR-MAPPED-ADDRESS.
      if (this.host.autoPong)
        this.send(encodeBindingSuccess(msg.transactionId, this.remote), 'stun').catch(() => undefined);
    } else if (msg.type === STUN_BINDING_SUCCESS) {
      const known = this.stunOutstanding.delete(msg.transactionId.toString('hex'));
      if (known) {
        this.stunOutstanding.clear();
        this.pongReceived(msg.mapped);
      } else this.host.notify('pong', this, Number.NaN, msg.mapped);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.fault('close');
    this.markClosed('local');
  }

  reset(): void {
    if (this.closed) return;
    this.fault('reset');
    this.markClosed('local');
  }

  /** Layer shutdown: not recorded as a fault. */
  async shutdown(): Promise<void> {
    this.markClosed('local');
  }
}
