/**
 * baresip's ctrl_tcp module: JSON commands framed as netstrings (`LEN:JSON,`) on a TCP socket. sipconf uses it to
 * make a managed baresip place a call (`dial`) or hang up, as the profile's `dial:` says.
 */
import net from 'node:net';
import { Endpoint, formatEndpoint } from '../../transport/types';

export interface CtrlResponse {
  ok: boolean;
  data: string;
}

/** Encodes one netstring (D. J. Bernstein's format, as ctrl_tcp expects). */
export function netstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

/** Splits complete netstrings off `buf`; returns them and the unconsumed rest. */
export function readNetstrings(buf: Buffer): { items: string[]; rest: Buffer } {
  const items: string[] = [];
  let rest = buf;
  for (;;) {
    const colon = rest.indexOf(0x3a);
    if (colon < 0) break;
    const lenText = rest.subarray(0, colon).toString('latin1');
    if (!/^[0-9]{1,9}$/.test(lenText)) throw new Error(`ctrl_tcp: bad netstring length "${lenText.slice(0, 20)}"`);
    const len = Number(lenText);
    if (rest.length < colon + 1 + len + 1) break;
    if (rest[colon + 1 + len] !== 0x2c) throw new Error('ctrl_tcp: netstring without its trailing comma');
    items.push(rest.subarray(colon + 1, colon + 1 + len).toString('utf8'));
    rest = rest.subarray(colon + 1 + len + 1);
  }
  return { items, rest };
}

/** Sends one command (e.g. `dial`, params a SIP URI) and waits, bounded, for its response. */
export function baresipCommand(at: Endpoint, command: string, params: string, timeoutMs = 5000): Promise<CtrlResponse> {
  const token = Math.random().toString(36).slice(2, 10);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: at.address, port: at.port });
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(
      () =>
        done(
          new Error(`baresip ctrl_tcp at ${formatEndpoint(at)}: no response to "${command}" within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    const done = (err?: Error, res?: CtrlResponse) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    sock.on('error', (e) => done(new Error(`baresip ctrl_tcp at ${formatEndpoint(at)}: ${e.message}`)));
    sock.on('connect', () => sock.write(netstring(JSON.stringify({ command, params, token }))));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let parsed: { items: string[]; rest: Buffer };
      try {
        parsed = readNetstrings(buf);
      } catch (e) {
        done(e as Error);
        return;
      }
      buf = parsed.rest;
      for (const item of parsed.items) {
        let msg: { response?: boolean; ok?: boolean; data?: string; token?: string };
        try {
          msg = JSON.parse(item);
        } catch {
          continue;
        }
        // Events (registrations, call states) share the socket; only our response ends the wait.
        if (msg.response && msg.token === token) done(undefined, { ok: msg.ok === true, data: msg.data ?? '' });
      }
    });
  });
}
