/**
 * The events of a TransportLayer, typed: `transport.on('flow-close', (flow, reason) => ...)` checks the listener's
 * parameters against this map. Listeners never throw into a socket handler: an exception becomes 'handler-error'.
 */
import type { Endpoint, Flow, FlowCloseReason, InboundMessage, Listener } from './types';

export interface TransportEvents {
  /** One whole SIP message (a stream frame, or one UDP datagram that is neither STUN nor a bare CRLF keep-alive). */
  message: [message: InboundMessage];
  'flow-open': [flow: Flow];
  'flow-close': [flow: Flow, reason: FlowCloseReason];
  /** A CRLFCRLF ping or a STUN Binding request arrived (RFC 5626 §3.5.1, §4.4.2). */
  ping: [flow: Flow];
  /** A CRLF pong or STUN Binding success; rttMs is NaN if unsolicited; mapped is the XOR-MAPPED-ADDRESS (UDP). */
  pong: [flow: Flow, rttMs: number, mapped?: Endpoint];
  /** No pong within timeoutMs of a keep-alive ping (RFC 5626 §4.4.1). */
  'keepalive-timeout': [flow: Flow];
  /** A framing error; the flow is then closed with reason 'error'. */
  garbage: [flow: Flow, data: Buffer, reason: string];
  /** An inbound connection that never became a flow (a failed TLS handshake). */
  'connection-error': [err: Error, remote: Endpoint];
  /** A listening socket failed. */
  'socket-error': [err: Error, listener: Listener];
  /** A listener of ours threw (also kept in `handlerErrors`), with what it was handling (an event name...). */
  'handler-error': [err: unknown, event: string];
}

export type TransportEventName = keyof TransportEvents;
