/**
 * Expectations on a received message, shared by `expect` and `assert`: fields (headers, header parameters,
 * CSeq parts, Request-URI, status), the body (text, SDP attributes), and the flow or transport it arrived on.
 * Each unmet expectation is one sentence naming the field, the value seen and the value wanted.
 */
import { parseNameAddr } from '../../sip/fields';
import { SipMessage, SipRequest, SipResponse } from '../../sip/message';
import { parseVia } from '../../sip/fields';
import type { Flow } from '../../transport/types';
import { SipUri, parseUri } from '../../sip/uri';
import { Runtime, messageOf } from './runtime';
import type { BodyExpectationBody, FieldExpectationBody } from './schema-parts';

export interface MessageExpectations {
  headers?: Record<string, FieldExpectationBody>;
  body?: BodyExpectationBody;
  transport?: 'udp' | 'tcp' | 'tls';
  'same-flow-as'?: string;
  'other-flow-than'?: string;
  'reg-id-flow'?: number;
  'registered-flow'?: boolean;
}

/** Every value of a field, as text: one entry per header field value (list headers split), [] when absent. */
export function fieldValues(msg: SipMessage, field: string): string[] {
  const lower = field.toLowerCase();
  if (lower === 'request-uri') return msg instanceof SipRequest ? [msg.uriText] : [];
  if (lower === 'status') return msg instanceof SipResponse ? [String(msg.status)] : [];
  if (lower === 'reason') return msg instanceof SipResponse ? [msg.reason] : [];
  if (lower === 'method') return msg instanceof SipRequest ? [msg.method] : [msg.cseq.method];
  if (lower === 'cseq.seq') return msg.has('cseq') ? [String(msg.cseq.seq)] : [];
  if (lower === 'cseq.method') return msg.has('cseq') ? [msg.cseq.method] : [];
  const dot = field.indexOf('.');
  if (dot < 0) return msg.getAll(field).map((v) => v.trim());
  const header = field.slice(0, dot);
  const param = field.slice(dot + 1).toLowerCase();
  // A parameter is read from the first value: the top Via, the first Contact, the To.
  const v = msg.getAll(header)[0];
  if (v === undefined) return [];
  let p: string | null | undefined;
  if (/^(via|v)$/i.test(header)) p = parseVia(v, false).params.get(param);
  else if (NAME_ADDR.test(header)) p = parseNameAddr(v, false).params.get(param);
  else p = plainParam(v, param);
  return p === undefined ? [] : [p === null ? '' : p.replace(/^"(.*)"$/, '$1')];
}

/** Headers whose value is a name-addr with header parameters (RFC 3261 §20, RFC 3515, RFC 3327). */
const NAME_ADDR = /^(to|t|from|f|contact|m|route|record-route|path|refer-to|r|referred-by|b|p-asserted-identity)$/i;

/** A parameter of a `value;name=value` header such as Subscription-State or Event. */
function plainParam(v: string, name: string): string | null | undefined {
  for (const part of v.split(';').slice(1)) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (k === name) return eq < 0 ? null : part.slice(eq + 1).trim();
  }
  return undefined;
}

type Fail = (detail: string) => never;

function checkField(rt: Runtime, msg: SipMessage, label: string, field: string, e: FieldExpectationBody, fail: Fail) {
  const values = fieldValues(msg, field);
  const first = values[0];
  const shown = values.length ? values.join(', ') : 'absent';
  if (e.absent === true && values.length) fail(`${label} has ${field} ${shown}, expected none`);
  if (e.absent === false && !values.length) fail(`${label} carries no ${field}${field.includes('.') ? '' : ' header'}`);
  if (e.count !== undefined && values.length !== e.count)
    fail(`${label} has ${values.length} ${field} value(s) (${shown}), expected ${e.count}`);
  if (e['min-count'] !== undefined && values.length < e['min-count'])
    fail(`${label} has ${values.length} ${field} value(s) (${shown}), expected at least ${e['min-count']}`);
  if (e.equals !== undefined && first !== String(e.equals))
    fail(`${label} has ${field} ${first ?? 'absent'}, expected ${e.equals}`);
  if (e.matches !== undefined && !(first !== undefined && new RegExp(e.matches).test(first)))
    fail(`${label} has ${field} ${first ?? 'absent'}, expected to match /${e.matches}/`);
  if (e.includes !== undefined) {
    const items = values.flatMap((v) => v.split(',')).map((x) => x.trim().toLowerCase());
    if (!items.includes(e.includes.toLowerCase()))
      fail(`${label} has no "${field}: ${e.includes}" (${field}: ${shown})`);
  }
  const n = Number(first);
  if (e['at-least'] !== undefined && !(first !== undefined && n >= e['at-least']))
    fail(`${label} has ${field} ${first ?? 'absent'}, expected at least ${e['at-least']}`);
  if (e['at-most'] !== undefined && !(first !== undefined && n <= e['at-most']))
    fail(`${label} has ${field} ${first ?? 'absent'}, expected at most ${e['at-most']}`);
  if (e['is-contact-of'] !== undefined) {
    const agent = rt.agent(e['is-contact-of']);
    const c = agent.contact(agent.defaultTransport).uri as SipUri;
    let u: ReturnType<typeof parseUri> | undefined;
    try {
      u = first === undefined ? undefined : parseUri(first.replace(/^.*<(.*)>.*$/, '$1'), { strict: false });
    } catch {
      u = undefined;
    }
    if (!(u && u.kind === 'sip' && u.user === c.user && u.port === c.port))
      fail(`${label} has ${field} ${first ?? 'absent'}, not ${e['is-contact-of']}'s Contact ${c}`);
  }
  const other = (name: string) =>
    fieldValues(messageOf(rt.get(name, 'call', 'outgoing', 'incoming', 'response')).msg, field);
  if (e['same-as'] !== undefined) {
    const want = other(e['same-as']);
    if (values.join(',') !== want.join(','))
      fail(`${label} has ${field} ${shown}, not the ${e['same-as']}'s ${want.join(', ') || 'absent'}`);
  }
  if (e['not-above'] !== undefined) {
    const { message, field: theirs } = e['not-above'];
    const limit = Number(
      fieldValues(messageOf(rt.get(message, 'call', 'outgoing', 'incoming', 'response')).msg, theirs)[0],
    );
    if (!(first !== undefined && Number(first) <= limit))
      fail(
        `${label} has ${field} ${first ?? 'absent'}, more than the ${message}'s ${theirs} ${Number.isNaN(limit) ? 'absent' : limit}`,
      );
  }
  if (e['one-more-than'] !== undefined) {
    const before = Number(other(e['one-more-than'])[0]);
    if (Number(first) !== before + 1)
      fail(`${label} has ${field} ${shown}; after the ${e['one-more-than']}'s ${before} it must be ${before + 1}`);
  }
  if (e['differs-from'] !== undefined) {
    const want = other(e['differs-from']);
    if (values.join(',') === want.join(',')) fail(`${label} reuses the ${e['differs-from']}'s ${field} ${shown}`);
  }
}

function sdpLines(body: string, prefix: string): string[] {
  return body
    .split(/\r?\n/)
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length).trim());
}

function checkBody(msg: SipMessage, label: string, b: BodyExpectationBody, fail: Fail) {
  const text = msg.body.toString('utf8');
  if (b.absent === true && msg.body.length) fail(`${label} has a body of ${msg.body.length} bytes, expected none`);
  if (b.absent === false && !msg.body.length) fail(`${label} has no body`);
  const ctype = msg.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (b['content-type'] !== undefined && ctype !== b['content-type'].toLowerCase())
    fail(`${label} has Content-Type ${ctype ?? 'absent'}, expected ${b['content-type']}`);
  if (b.contains !== undefined && !text.includes(b.contains)) fail(`${label}'s body does not contain "${b.contains}"`);
  if (b.matches !== undefined && !new RegExp(b.matches, 'm').test(text))
    fail(`${label}'s body does not match /${b.matches}/`);
  if (b.sdp) {
    const attrs = sdpLines(text, 'a=');
    const has = (a: string) => attrs.some((x) => x === a || x.startsWith(`${a}:`) || x.startsWith(`${a} `));
    for (const a of b.sdp.attributes ?? [])
      if (!has(a)) fail(`${label}'s SDP has no a=${a} (attributes: ${attrs.join(', ') || 'none'})`);
    for (const a of b.sdp['no-attributes'] ?? []) if (has(a)) fail(`${label}'s SDP has a=${a}, expected none`);
    const media = sdpLines(text, 'm=');
    if (b.sdp.media !== undefined && !media.some((m) => m.startsWith(b.sdp!.media!)))
      fail(`${label}'s SDP has no m=${b.sdp.media} line (m= lines: ${media.join('; ') || 'none'})`);
  }
}

function checkFlow(
  rt: Runtime,
  label: string,
  agent: string | undefined,
  flow: Flow | undefined,
  e: MessageExpectations,
  fail: Fail,
) {
  if (e.transport !== undefined && flow?.transport !== e.transport)
    fail(`${label} arrived over ${flow?.transport ?? 'an unknown transport'}, expected ${e.transport}`);
  const flowOf = (name: string) => messageOf(rt.get(name, 'call', 'outgoing', 'incoming', 'response')).flow;
  if (e['same-flow-as'] !== undefined) {
    const want = flowOf(e['same-flow-as']);
    if (!flow || !want || flow.id !== want.id)
      fail(`${label} arrived on ${flow?.id ?? '?'}, not on the flow of ${e['same-flow-as']} (${want?.id ?? '?'})`);
  }
  if (e['other-flow-than'] !== undefined) {
    const not = flowOf(e['other-flow-than']);
    if (flow && not && flow.id === not.id) fail(`${label} arrived on ${flow.id}, the flow of ${e['other-flow-than']}`);
  }
  if (e['registered-flow']) {
    if (!agent) throw rt.authorError('registered-flow needs a message received by an agent');
    const r = rt.registrant(agent);
    const flows = [...r.flows.keys()].map((id) => `${r.flowOf(id)?.id ?? 'none'} (reg-id ${id})`);
    if (!flow || ![...r.flows.keys()].some((id) => r.flowOf(id)?.id === flow.id))
      fail(`${label} arrived on ${flow?.id ?? '?'}, none of ${agent}'s registered flows: ${flows.join(', ')}`);
  }
  if (e['reg-id-flow'] !== undefined) {
    if (!agent) throw rt.authorError('reg-id-flow needs a message received by an agent');
    const want = rt.registrant(agent).flowOf(e['reg-id-flow']);
    if (!flow || !want || flow.id !== want.id)
      fail(
        `${label} arrived on ${flow?.id ?? '?'}, not on the flow of reg-id ${e['reg-id-flow']} (${want?.id ?? 'none'})`,
      );
  }
}

/** Checks every expectation on a received message; the first unmet one fails the check (SUT non-conformance). */
export function checkMessage(
  rt: Runtime,
  label: string,
  got: { msg: SipMessage; flow?: Flow; agent?: string },
  e: MessageExpectations,
  stepRfc: string | undefined,
): void {
  const fail: Fail = (detail) => rt.fail(detail, stepRfc);
  for (const [field, fe] of Object.entries(e.headers ?? {})) checkField(rt, got.msg, label, field, fe, fail);
  if (e.body) checkBody(got.msg, label, e.body, fail);
  checkFlow(rt, label, got.agent, got.flow, e, fail);
}
