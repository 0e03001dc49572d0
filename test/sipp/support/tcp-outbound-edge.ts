/**
 * A small edge proxy + registrar over TCP for outbound-register-uas.xml (RFC 5626): it answers the REGISTER with
 * 200 + Require: outbound (§6) and the binding, then — as the proxy delivering a call to that AOR (§5.3) — sends an
 * INVITE with a Call-ID of its own down the registered connection, ACKs the 200, sends BYE and waits for its 200.
 * Every message is recorded with the id of the connection it came on.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { NameAddr, Via } from '../../../src/sip/fields';
import { createRequest, createResponse, newBranch, newCallId, newTag } from '../../../src/sip/builders';
import { StreamFramer } from '../../../src/sip/framing';
import { parseMessage } from '../../../src/sip/parser';
import type { SipMessage, SipRequest } from '../../../src/sip/message';
import { parseUri } from '../../../src/sip/uri';
import type { Endpoint } from '../../../src/transport/types';

export interface Received {
  connection: number;
  message: SipMessage;
}

export interface TcpOutboundEdge {
  endpoint: Endpoint;
  received: Received[];
  /** Resolves when the BYE's 200 has arrived. */
  callDone: Promise<void>;
  close(): Promise<void>;
}

export function startTcpOutboundEdge(): Promise<TcpOutboundEdge> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let doneResolve!: () => void;
  const callDone = new Promise<void>((r) => (doneResolve = r));
  const me = (): Endpoint => {
    const a = server.address();
    return { address: '127.0.0.1', port: typeof a === 'object' && a ? a.port : 0 };
  };

  const server: Server = createServer((sock) => {
    const connection = ++connections;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    const framer = new StreamFramer();
    const from = new NameAddr(parseUri('sip:carol@127.0.0.1'), undefined);
    from.params.set('tag', newTag());
    const callId = newCallId('edge.test');
    let toWithTag: string | undefined;
    let callee: string | undefined;
    const via = (): Via => {
      const v = new Via('TCP', '127.0.0.1', me().port);
      v.params.set('branch', newBranch());
      return v;
    };
    const route = `<sip:127.0.0.1:${me().port};transport=tcp;lr>`;

    const onRegister = (req: SipRequest): void => {
      const contact = req.contacts[0]!.clone();
      contact.params.set('expires', String(req.expires ?? 600));
      sock.write(
        createResponse(req, 200, {
          headers: [
            ['Require', 'outbound'],
            ['Contact', contact.toString()],
          ],
        }).toBuffer(),
      );
      if (req.expires === 0) return;
      callee = req.contacts[0]!.uri.toString();
      // The proxy's INVITE to the AOR, down the flow the REGISTER came on (RFC 5626 §5.3).
      const invite = createRequest({
        method: 'INVITE',
        uri: callee,
        from,
        to: new NameAddr(parseUri(`sip:${req.to.sipUri?.user ?? 'alice'}@127.0.0.1`)),
        via: via(),
        callId,
        cseq: 1,
        contact: new NameAddr(parseUri(`sip:carol@127.0.0.1:${me().port};transport=tcp`)),
        headers: [['Record-Route', route]],
      });
      setTimeout(() => sock.write(invite.toBuffer()), 50);
    };

    sock.on('data', (chunk) => {
      for (const f of framer.push(chunk)) {
        if (f.kind !== 'message') continue;
        const m = parseMessage(f.data);
        received.push({ connection, message: m });
        if (m.isRequest && m.method === 'REGISTER') onRegister(m);
        else if (!m.isRequest && m.cseq.method === 'INVITE' && m.status === 200) {
          toWithTag = m.get('To');
          const target = m.contacts[0]?.uri.toString() ?? callee!;
          const ack = createRequest({
            method: 'ACK',
            uri: target,
            from,
            to: new NameAddr(parseUri('sip:x@x')),
            via: via(),
            callId,
            cseq: 1,
          });
          ack.set('To', toWithTag!);
          sock.write(ack.toBuffer());
          const bye = createRequest({
            method: 'BYE',
            uri: target,
            from,
            to: new NameAddr(parseUri('sip:x@x')),
            via: via(),
            callId,
            cseq: 2,
          });
          bye.set('To', toWithTag!);
          setTimeout(() => sock.write(bye.toBuffer()), 50);
        } else if (!m.isRequest && m.cseq.method === 'BYE' && m.status === 200) doneResolve();
      }
    });
  });

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        endpoint: me(),
        received,
        callDone,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
