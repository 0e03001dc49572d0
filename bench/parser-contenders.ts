/**
 * The parser contenders of the bench: ours (strict, the target; lenient, for reference) and the npm packages `sip`,
 * `jssip` and `sip.js`, each parsing one message and reading the same fields.
 */
import { SipMessage } from '../src/sip/message';
import { parse } from '../src/sip/parser';
import type { Uri } from '../src/sip/uri';

/** One parser under test: parse one message and read the fields; returns a value so the work cannot be elided. */
export interface Contender {
  name: string;
  /** Input form the parser takes. */
  input: 'buffer' | 'string';
  parseAndRead(data: Buffer | string): number;
}

/** The host of a SIP URI (what the peers' readers take from each URI), 0 for other schemes. */
function hostLength(u: Uri): number {
  return u.kind === 'sip' ? u.host.length : 0;
}

/** The same fields the peers' readers take: URIs down to their host, every Via's host, the tags, Call-ID, CSeq. */
export function readOurs(m: SipMessage): number {
  let n = 0;
  if (m.isRequest) n += m.method.length + hostLength(m.uri);
  else n += m.status;
  n += m.topVia.branch!.length;
  n += m.from.tag!.length + (m.to.tag?.length ?? 0);
  n += m.callId.length + m.cseq.seq;
  n += hostLength(m.from.uri) + hostLength(m.to.uri);
  for (const c of m.contacts) n += hostLength(c.uri);
  for (const v of m.vias) n += v.host.length;
  for (const r of m.recordRoutes) n += hostLength(r.uri);
  return n;
}

export const OURS: Contender = {
  name: 'sipconf',
  input: 'buffer',
  parseAndRead(data) {
    const r = parse(data as Buffer, { mode: 'strict' });
    if (r.errors.length > 0 || !r.message) throw new Error(`sipconf rejected a bench message: ${r.errors[0]?.message}`);
    return readOurs(r.message);
  },
};

/** The same reads after a lenient parse: header values are checked only when read (lazy views). Not the target. */
export const OURS_LENIENT: Contender = {
  name: 'sipconf-lenient',
  input: 'buffer',
  parseAndRead(data) {
    const r = parse(data as Buffer, { mode: 'lenient' });
    if (r.errors.length > 0 || !r.message)
      throw new Error(`sipconf (lenient) rejected a bench message: ${r.errors[0]?.message}`);
    return readOurs(r.message);
  },
};

/** Every contender, by name: ours strict (the target), ours lenient (for reference), then the peers. */
export const CONTENDER_NAMES = ['sipconf', 'sipconf-lenient', 'sip', 'jssip', 'sip.js'] as const;

/** The contender called `name` (the peers' packages are loaded only when a peer is asked for). */
export function contenderByName(name: string): Contender {
  const c = [OURS, OURS_LENIENT].find((x) => x.name === name) ?? peers().find((x) => x.name === name);
  if (!c) throw new Error(`no parser contender "${name}"`);
  return c;
}

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports --
   the peers load only when a peer is asked for, and are read untyped, as their own users read them */
/** The npm SIP parsers we compare with, each reading the same fields as readOurs. */
function peers(): Contender[] {
  const out: Contender[] = [];
  const kirm = require('sip') as any;
  out.push({
    name: 'sip',
    input: 'buffer',
    parseAndRead(data) {
      const m = kirm.parse(data);
      const h = m.headers;
      let n = m.method ? m.method.length + kirm.parseUri(m.uri).host.length : m.status;
      n += h.via[0].params.branch.length;
      n += h.from.params.tag.length + (h.to.params.tag?.length ?? 0);
      n += h['call-id'].length + h.cseq.seq;
      n += kirm.parseUri(h.from.uri).host.length + kirm.parseUri(h.to.uri).host.length;
      for (const c of h.contact ?? []) n += kirm.parseUri(c.uri).host.length;
      for (const v of h.via) n += v.host.length;
      for (const r of h['record-route'] ?? []) n += r.uri.host.length;
      return n;
    },
  });
  const jssip = require('jssip/lib/Parser') as any;
  out.push({
    name: 'jssip',
    input: 'string',
    parseAndRead(data) {
      const m = jssip.parseMessage(data, undefined);
      let n = m.status_code ? m.status_code : m.method.length + m.ruri.host.length;
      n += m.via_branch.length;
      n += m.from_tag.length + (m.to_tag?.length ?? 0);
      n += m.call_id.length + m.cseq;
      n += m.from.uri.host.length + m.to.uri.host.length;
      const contacts = m.headers.Contact?.length ?? 0;
      for (let i = 0; i < contacts; i++) n += m.parseHeader('contact', i).uri.host.length;
      const vias = m.getHeaders('via').length;
      for (let i = 0; i < vias; i++) n += m.parseHeader('via', i).host.length;
      const rrs = m.getHeaders('record-route').length;
      for (let i = 0; i < rrs; i++) n += m.parseHeader('record-route', i).uri.host.length;
      return n;
    },
  });
  const core = require('sip.js/lib/core') as any;
  const lf = new core.LoggerFactory();
  lf.builtinEnabled = false;
  lf.level = 0;
  const logger = lf.getLogger('bench');
  out.push({
    name: 'sip.js',
    input: 'string',
    parseAndRead(data) {
      const m = core.Parser.parseMessage(data, logger);
      let n = m.statusCode ? m.statusCode : m.method.length + m.ruri.host.length;
      n += m.viaBranch.length;
      n += m.fromTag.length + (m.toTag?.length ?? 0);
      n += m.callId.length + m.cseq;
      n += m.from.uri.host.length + m.to.uri.host.length;
      const contacts = m.getHeaders('contact').length;
      for (let i = 0; i < contacts; i++) n += m.parseHeader('contact', i).uri.host.length;
      const vias = m.getHeaders('via').length;
      for (let i = 0; i < vias; i++) n += m.parseHeader('via', i).host.length;
      const rrs = m.getHeaders('record-route').length;
      for (let i = 0; i < rrs; i++) n += m.parseHeader('record-route', i).uri.host.length;
      return n;
    },
  });
  return out;
}
/* eslint-enable */
