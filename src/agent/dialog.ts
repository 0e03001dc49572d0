/**
 * Dialog state (RFC 3261 §12): identifiers, CSeq counters, remote target and route set, and the construction of
 * requests inside the dialog (§12.2.1.1), including the ACK for a 2xx (§13.2.2.4).
 */
import { NameAddr, parseNameAddr } from '../sip/fields';
import { SipRequest, SipResponse } from '../sip/message';
import { Uri, parseUri } from '../sip/uri';
import type { Target } from '../transaction/transaction';
import type { Flow } from '../transport/types';
import { uriTarget } from './targets';

export class Dialog {
  constructor(
    public callId: string,
    public localTag: string,
    public remoteTag: string,
    /** Our From/To (name-addr without tag). */
    public local: NameAddr,
    public remote: NameAddr,
    public localSeq: number,
    public remoteSeq: number | undefined,
    public remoteTarget: Uri,
    /** Route set, in the order requests carry it (§12.1.1 / §12.1.2). */
    public routeSet: NameAddr[],
    /** The flow the dialog was set up on: in-dialog requests reuse it while it is open (RFC 5626 §4.3, §5.3). */
    public flow?: Flow,
  ) {}

  get id(): string {
    return `${this.callId};local=${this.localTag};remote=${this.remoteTag}`;
  }

  /** UAC side: from the INVITE we sent and the 2xx (or 1xx with tag) we received (§12.1.2). */
  static asUac(invite: SipRequest, res: SipResponse, flow?: Flow): Dialog {
    const contact = res.contacts[0];
    const remoteTarget = contact ? contact.uri : invite.uri;
    const routeSet = res.recordRoutes.slice().reverse();
    const local = invite.from.clone();
    local.params.delete('tag');
    const remote = res.to.clone();
    remote.params.delete('tag');
    return new Dialog(
      invite.callId,
      invite.from.tag ?? '',
      res.to.tag ?? '',
      local,
      remote,
      invite.cseq.seq,
      undefined,
      remoteTarget,
      routeSet,
      flow,
    );
  }

  /** UAS side: from the request we received and the tag we put in our response (§12.1.1). */
  static asUas(req: SipRequest, localTag: string, flow?: Flow): Dialog {
    const contact = req.contacts[0];
    const remoteTarget = contact ? contact.uri : req.from.uri;
    const routeSet = req.recordRoutes.slice();
    const local = req.to.clone();
    local.params.delete('tag');
    const remote = req.from.clone();
    remote.params.delete('tag');
    return new Dialog(
      req.callId,
      localTag,
      req.from.tag ?? '',
      local,
      remote,
      0,
      req.cseq.seq,
      remoteTarget,
      routeSet,
      flow,
    );
  }

  /**
   * A request within the dialog (§12.2.1.1): Request-URI and Route from the remote target and the route set —
   * loose routing when the first route has `lr`, strict routing (§16.12.1.2 legacy) otherwise.
   */
  createRequest(method: string, opts: { cseq?: number; headers?: Array<[string, string | number]> } = {}): SipRequest {
    let seq: number;
    if (method === 'ACK' || method === 'CANCEL') seq = opts.cseq ?? this.localSeq;
    else seq = opts.cseq ?? ++this.localSeq;
    const { requestUri, routes } = this.routing();
    const req = new SipRequest(method, requestUri.toString());
    req.append('Max-Forwards', 70);
    for (const r of routes) req.append('Route', r);
    const from = this.local.clone();
    from.params.set('tag', this.localTag);
    const to = this.remote.clone();
    if (this.remoteTag) to.params.set('tag', this.remoteTag);
    req.append('From', from.toString());
    req.append('To', to.toString());
    req.append('Call-ID', this.callId);
    req.append('CSeq', `${seq} ${method}`);
    for (const [n, v] of opts.headers ?? []) req.append(n, v);
    return req;
  }

  private routing(): { requestUri: Uri; routes: string[] } {
    const first = this.routeSet[0];
    if (!first || (first.uri.kind === 'sip' && first.uri.params.has('lr'))) {
      return { requestUri: this.remoteTarget, routes: this.routeSet.map((r) => r.toString()) };
    }
    // Strict router: its URI becomes the Request-URI and the remote target goes last in Route (§12.2.1.1).
    const routes = this.routeSet.slice(1).map((r) => r.toString());
    routes.push(`<${this.remoteTarget.toString()}>`);
    return { requestUri: first.uri, routes };
  }

  /** Where the next request of this dialog goes: the dialog's flow if open, else the first Route or the target. */
  nextHop(): Target {
    if (this.flow && !this.flow.closed) return { flow: this.flow };
    const first = this.routeSet[0];
    return uriTarget(first ? first.uri : this.remoteTarget, this.flow?.transport);
  }

  /** Updates the remote target from a Contact in a target refresh request or its response (§12.2). */
  refreshTarget(contact: string | undefined): void {
    if (!contact) return;
    try {
      this.remoteTarget = parseNameAddr(contact, false).uri;
    } catch {
      /* keep the old target: a bad Contact is reported by the check, not here */
    }
  }
}

export function parseTarget(text: string): Uri {
  return parseUri(text, { strict: false });
}
