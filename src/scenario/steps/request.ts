/**
 * `request`: any request from any agent — OPTIONS, SUBSCRIBE, NOTIFY, REFER, MESSAGE, UPDATE, PRACK, INFO,
 * PUBLISH, BYE, even an INVITE as a bare transaction — to another agent through the SUT, to a Request-URI at the
 * SUT, straight to the Contact of a saved message, or inside the dialog of a saved call or request.
 */
import { NameAddr } from '../../sip/fields';
import { SipRequest } from '../../sip/message';
import { parseUri } from '../../sip/uri';
import { uriTarget } from '../../agent/targets';
import { formatEndpoint } from '../../transport/types';
import type { Target } from '../../transaction/transaction';
import { AgentRef, Headers, MessageRef, Method, Name, SavedRef, Type, obj } from './schema-parts';
import { stepKind } from './step-kind';
import { Runtime, dialogOf, messageOf } from './runtime';
import { applyHeaders, carriesContact } from './send-common';

const schema = obj({
  from: AgentRef,
  method: Method,
  to: Type.Optional(AgentRef),
  uri: Type.Optional(
    Type.String({
      description:
        "a Request-URI, sent to the SUT; {sut} is the SUT's host:port, {domain} its domain, {fresh:carol} a user name no other check uses",
    }),
  ),
  'contact-of': Type.Optional(MessageRef),
  dialog: Type.Optional(SavedRef(['call', 'outgoing', 'incoming'], 'a call or request whose dialog the request is in')),
  headers: Type.Optional(Headers),
  body: Type.Optional(Type.String()),
  'content-type': Type.Optional(Type.String()),
  auth: Type.Optional(
    Type.Boolean({ description: "answer one 401/407 with the profile's credentials when the response is expected" }),
  ),
  as: Type.Optional(Name),
});
type Body = (typeof schema)['static'];

export const request = stepKind({
  schema,
  summary: 'any request from an agent: to an agent or URI via the SUT, to a saved Contact, or in a saved dialog',
  saves: () => 'outgoing',
  validate: (b) => {
    const n = ['to', 'uri', 'contact-of', 'dialog'].filter((k) => b[k as keyof Body] !== undefined).length;
    return n === 1 ? undefined : 'give exactly one of to, uri, contact-of or dialog';
  },
  label: (b) => {
    const where = b.dialog
      ? `in the dialog of ${b.dialog}`
      : b['contact-of']
        ? `to the Contact of ${b['contact-of']}`
        : `to ${b.to ?? b.uri} through the SUT`;
    return `${b.from} sends ${b.method} ${where}`;
  },
  run: async (b, rt) => {
    const agent = rt.agent(b.from);
    const { req, target, dialog } = build(b, rt);
    if (b.body !== undefined) req.setBody(b.body, b['content-type'] ?? 'application/sdp');
    applyHeaders(req, expandHeaders(b.headers, rt));
    const out = await agent.send(req, target);
    rt.save(b.as, { kind: 'outgoing', out, dialog, auth: b.auth });
  },
});

function build(b: Body, rt: Runtime): { req: SipRequest; target: Target; dialog?: ReturnType<typeof dialogOf> } {
  const agent = rt.agent(b.from);
  const method = b.method;
  if (b.dialog) {
    const dialog = dialogOf(rt.get(b.dialog, 'call', 'outgoing', 'incoming'));
    if (!dialog) throw rt.authorError(`"${b.dialog}" has no dialog yet (no 2xx to a dialog-creating request)`);
    const req = dialog.createRequest(method);
    if (carriesContact(method)) req.append('Contact', agent.contact(agent.defaultTransport).toString());
    return { req, target: dialog.nextHop(), dialog };
  }
  if (b['contact-of']) {
    const msg = messageOf(rt.get(b['contact-of'], 'call', 'outgoing', 'incoming', 'response')).msg;
    const contact = msg.contacts[0];
    if (!contact) rt.fail(`${b['contact-of']} has no Contact to send the ${method} to`, undefined);
    const req = agent.createRequest(method, contact.uri);
    return { req, target: uriTarget(contact.uri, agent.defaultTransport) };
  }
  const transport = agent.defaultTransport;
  const uri = b.to ? rt.party(b.to).uri : parseUri(expandUri(b.uri!, rt));
  const req = agent.createRequest(method, uri, {
    transport,
    contact: carriesContact(method) || method === 'REGISTER' ? new NameAddr(agent.contact(transport).uri) : false,
  });
  return { req, target: rt.ctx.sutTarget(transport) };
}

/** The same placeholders in header values (a pre-loaded Route naming the SUT: `Route: '<sip:{sut};lr>'`). */
function expandHeaders(headers: Body['headers'], rt: Runtime): Body['headers'] {
  if (!headers) return headers;
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, typeof v === 'string' ? expandUri(v, rt) : v]),
  ) as Body['headers'];
}

/** `{sut}`, `{domain}` and `{fresh:name}` in a `uri:`. */
function expandUri(text: string, rt: Runtime): string {
  return text.replace(/\{(sut|domain|fresh:([A-Za-z0-9_-]+))\}/g, (_m, what: string, user?: string) => {
    if (what === 'sut') {
      const a = rt.ctx.sut.address;
      if (!a) throw rt.authorError('{sut}: the SUT profile has no address');
      return formatEndpoint(a);
    }
    if (what === 'domain') return rt.ctx.sut.domain;
    return rt.ctx.freshUser(user!);
  });
}
