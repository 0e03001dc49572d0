/** A request an agent received, and the means to answer it (§8.2.6, §13.3.1.4). */
import { newTag } from '../sip/builders';
import { parseNameAddr, NameAddr } from '../sip/fields';
import { SipRequest, SipResponse } from '../sip/message';
import { ServerTransaction } from '../transaction/server-transaction';
import { TwoXxRetransmission } from '../transaction/two-xx-retransmission';
import { Flow } from '../transport/types';
import { defaultSdp } from './default-sdp';
import { Dialog } from './dialog';
import type { OutgoingRequest } from './outgoing-request';
import type { SipAgent } from './sip-agent';

export interface RespondOptions {
  reason?: string;
  headers?: Array<[string, string | number]>;
  body?: Buffer | string;
  contentType?: string;
  toTag?: string;
  /** Add our Contact (default for 2xx to INVITE); or a specific one. */
  contact?: boolean | NameAddr | string;
}

/** A request received by an agent, with the means to answer it. ACKs for 2xx come without a transaction. */
export class IncomingRequest {
  readonly method: string;
  dialog?: Dialog;
  /** The 2xx retransmission started by accept() (§13.3.1.4). */
  twoXx?: TwoXxRetransmission;
  private toTag?: string;

  constructor(
    readonly agent: SipAgent,
    readonly request: SipRequest,
    readonly flow: Flow,
    readonly at: number,
    readonly tx: ServerTransaction | undefined,
  ) {
    this.method = request.method;
  }

  /** Builds a response per §8.2.6 (To tag stable across responses of this request). */
  createResponse(status: number, opts: RespondOptions = {}): SipResponse {
    const req = this.request;
    const res = new SipResponse(status, opts.reason);
    for (const h of req.headers) {
      if (h.key === 'via' || h.key === 'from' || h.key === 'call-id' || h.key === 'cseq')
        res.headers.push({ name: h.name, key: h.key, value: h.value });
      else if (h.key === 'record-route' && status >= 101 && status < 300)
        res.headers.push({ name: h.name, key: h.key, value: h.value }); // §12.1.1
    }
    const to = req.to.clone();
    if (status > 100 && !to.tag) {
      this.toTag ??= opts.toTag ?? newTag();
      to.params.set('tag', this.toTag);
    }
    res.set('To', to.toString());
    const contact = opts.contact ?? (req.method === 'INVITE' && status >= 200 && status < 300);
    if (contact) {
      const c =
        contact === true
          ? this.agent.contact(this.flow.transport)
          : typeof contact === 'string'
            ? parseNameAddr(contact)
            : contact;
      res.append('Contact', c.toString());
    }
    for (const [n, v] of opts.headers ?? []) res.append(n, v);
    if (opts.body !== undefined) res.setBody(opts.body, opts.contentType ?? 'application/sdp');
    return res;
  }

  /** Sends a response in the server transaction. A 2xx to INVITE goes through accept(). */
  async respond(status: number, opts: RespondOptions = {}): Promise<SipResponse> {
    if (!this.tx) throw new Error(`${this.method} has no transaction to respond in (ACK is never answered, §17)`);
    if (this.method === 'INVITE' && status >= 200 && status < 300) {
      await this.accept({ ...opts, status });
      return this.tx.lastResponse!;
    }
    const res = this.createResponse(status, opts);
    await this.tx.respond(res);
    return res;
  }

  /**
   * Answers an INVITE with a 2xx (default 200 with our Contact and an SDP answer), creates the dialog and starts
   * the 2xx retransmission until the ACK (§13.3.1.4). `retransmit: false` sends it once (a deliberately broken UAS).
   */
  async accept(opts: RespondOptions & { status?: number; retransmit?: boolean } = {}): Promise<Dialog> {
    if (!this.tx) throw new Error('cannot accept an ACK');
    const res = this.createResponse(opts.status ?? 200, { body: defaultSdp(this.agent), ...opts });
    this.dialog = Dialog.asUas(this.request, res.to.tag ?? '', this.flow.reliable ? this.flow : undefined);
    if (opts.retransmit === false) await this.tx.respond(res);
    else {
      this.twoXx = await this.agent.tx.respond2xx(this.tx, res);
      this.agent.trackTwoXx(this.twoXx);
    }
    return this.dialog;
  }

  /** Sends a request in the dialog this request created (e.g. BYE from the callee). */
  async sendInDialog(
    method: string,
    opts: { headers?: Array<[string, string | number]> } = {},
  ): Promise<OutgoingRequest> {
    if (!this.dialog) throw new Error('no dialog: accept() the INVITE first');
    const req = this.dialog.createRequest(method, opts);
    return this.agent.send(req, this.dialog.nextHop());
  }
}
