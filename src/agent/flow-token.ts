/**
 * Flow tokens (RFC 5626 §5.2): an edge proxy puts a token naming the flow a REGISTER arrived on into the user part
 * of its Path (and Record-Route) URI. When a request comes back with that URI in its Route, the token says which
 * flow to forward it on. The token is HMAC-protected, so a tampered one is detected (and answered with 403).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type FlowTokenResult = { ok: true; flowId: string } | { ok: false; reason: 'malformed' | 'tampered' };

export class FlowTokens {
  constructor(private readonly key: Buffer = randomBytes(20)) {}

  encode(flowId: string): string {
    const id = Buffer.from(flowId, 'utf8');
    return `${id.toString('base64url')}.${this.mac(id).toString('base64url')}`;
  }

  decode(token: string): FlowTokenResult {
    const dot = token.indexOf('.');
    if (dot <= 0) return { ok: false, reason: 'malformed' };
    const id = Buffer.from(token.slice(0, dot), 'base64url');
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(id);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return { ok: false, reason: 'tampered' };
    return { ok: true, flowId: id.toString('utf8') };
  }

  private mac(id: Buffer): Buffer {
    return createHmac('sha256', this.key).update(id).digest().subarray(0, 12);
  }
}
