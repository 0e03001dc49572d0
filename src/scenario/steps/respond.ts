/**
 * `respond`: an agent answers a request it received, with any status, headers and body. A 2xx to an INVITE is
 * retransmitted until the ACK (RFC 3261 §13.3.1.4) unless `retransmit: false`; `reliable: true` sends a
 * provisional response reliably marked (RFC 3262 §3: Require: 100rel and an RSeq that grows by one).
 */
import { randomInt } from 'node:crypto';
import { Dialog } from '../../agent/dialog';
import type { SipRequest } from '../../sip/message';
import { Headers, Rfc, SavedRef, Status, Type, obj } from './schema-parts';
import { stepKind } from './step-kind';
import type { ReceivedRequest, Runtime } from './runtime';
import { createsDialog } from './send-common';

const schema = obj({
  to: SavedRef(['incoming'], 'the received request to answer'),
  status: Status,
  reason: Type.Optional(Type.String()),
  headers: Type.Optional(Headers),
  body: Type.Optional(Type.String()),
  'content-type': Type.Optional(Type.String()),
  reliable: Type.Optional(Type.Boolean({ description: 'a reliable provisional response (RFC 3262): 101–199 only' })),
  retransmit: Type.Optional(Type.Boolean({ description: '2xx to INVITE: retransmit until the ACK (default true)' })),
  rfc: Type.Optional(Rfc),
});
type Body = (typeof schema)['static'];

export const respond = stepKind({
  schema,
  summary: 'answer a received request: any status, reason, headers, body; reliable provisionals (100rel)',
  validate: (b) =>
    b.reliable && !(b.status > 100 && b.status < 200)
      ? 'reliable: only a 101–199 response is sent reliably'
      : undefined,
  label: (b) =>
    `answer ${b.to} with ${b.status}${b.reason ? ` ${b.reason}` : ''}${b.reliable ? ' (reliably, 100rel)' : ''}`,
  run: async (b, rt) => {
    const s = rt.get(b.to, 'incoming');
    const inc = s.inc;
    const headers: Array<[string, string | number]> = Object.entries(b.headers ?? {});
    if (b.reliable) {
      s.rseq = s.rseq === undefined ? randomInt(1, 2 ** 31) : s.rseq + 1;
      headers.push(['Require', '100rel'], ['RSeq', s.rseq]);
    }
    const opts = { reason: b.reason, headers, body: b.body, contentType: b['content-type'] };
    if (inc.method === 'INVITE' && b.status >= 200 && b.status < 300) {
      await inc.accept({ ...opts, status: b.status, retransmit: b.retransmit });
      s.finalStatus = b.status;
      return;
    }
    if (inc.method === 'INVITE' && b.status >= 300) watchNonTwoXxAck(rt, s);
    const res = await inc.respond(b.status, opts);
    if (b.status >= 200) s.finalStatus = b.status;
    if (b.status >= 200 && b.status < 300 && createsDialog(inc.method) && !inc.dialog)
      inc.dialog = Dialog.asUas(inc.request, res.to.tag ?? '', inc.flow.reliable ? inc.flow : undefined);
  },
});

/** The ACK for a non-2xx final is absorbed by the INVITE server transaction (§17.2.1): listen before answering. */
function watchNonTwoXxAck(rt: Runtime, s: ReceivedRequest): void {
  const tx = s.inc.tx;
  if (!tx) return;
  s.nonTwoXxAck = new Promise<{ message: SipRequest; at: number; flow: typeof s.inc.flow } | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), rt.ms('64*T1'));
    rt.ctx.onCleanup(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
    tx.once('ack', (rx: { message: SipRequest; at: number; flow: typeof s.inc.flow }) => {
      clearTimeout(timer);
      resolve(rx);
    });
  });
}

export type RespondBody = Body;
