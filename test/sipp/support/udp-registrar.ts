/**
 * A tiny UDP registrar for register.xml: answers REGISTER with 200 listing the request's Contact with an expires
 * parameter (RFC 3261 §10.3 step 8), or — when `echoContact` is false — listing somebody else's binding, which the
 * scenario must reject.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createResponse } from '../../../src/sip/builders';
import { parseMessage } from '../../../src/sip/parser';
import type { SipRequest } from '../../../src/sip/message';
import type { Endpoint } from '../../../src/transport/types';

export interface UdpRegistrar {
  endpoint: Endpoint;
  registers: SipRequest[];
  close(): Promise<void>;
}

export function startUdpRegistrar(opts: { echoContact: boolean }): Promise<UdpRegistrar> {
  const sock: Socket = createSocket('udp4');
  const registers: SipRequest[] = [];
  sock.on('message', (buf, rinfo) => {
    const msg = parseMessage(buf);
    if (!msg.isRequest || msg.method !== 'REGISTER') return;
    registers.push(msg);
    const expires = msg.expires ?? 3600;
    const contacts = opts.echoContact
      ? msg.contacts.map((c) => {
          const b = c.clone();
          b.params.set('expires', String(expires));
          return ['Contact', b.toString()] as [string, string];
        })
      : [['Contact', '<sip:somebody-else@192.0.2.7:5060>;expires=3600'] as [string, string]];
    const res = createResponse(msg, 200, { headers: contacts });
    sock.send(res.toBuffer(), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => {
    sock.bind(0, '127.0.0.1', () => {
      resolve({
        endpoint: { address: '127.0.0.1', port: sock.address().port },
        registers,
        close: () => new Promise<void>((r) => sock.close(() => r())),
      });
    });
  });
}
