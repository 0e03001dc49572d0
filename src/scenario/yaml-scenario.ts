/**
 * YAML scenarios: loading (with a JSON Schema, errors at file:line) and the interpreter that plays the steps on
 * agents. A scenario reads like SIPp's XML or a ladder diagram — one step per exchange, no hidden logic.
 */
import { readFileSync } from 'node:fs';
import Ajv, { ErrorObject } from 'ajv';
import { LineCounter, isMap, isSeq, parseDocument, Node as YamlNode, Document } from 'yaml';
import { ExpectationError } from '../agent/expectation';
import type { Registrant } from '../agent/registrant';
import type { IncomingRequest, OutgoingCall, OutgoingRequest, SipAgent } from '../agent/sip-agent';
import { NameAddr } from '../sip/fields';
import { SipMessage, SipRequest, SipResponse } from '../sip/message';
import type { Received } from '../transaction/transaction';
import type { TransportProtocol } from '../transport/types';
import { CheckDefinition, Severity, SutRole } from './check';
import type { CheckContext } from './context';
import { Party, caller, reachableParty } from './flows';
import schema from './scenario-schema.json';

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${detail}`);
    this.name = 'ScenarioError';
  }
}

type Step = Record<string, unknown>;

interface ScenarioDoc {
  id: string;
  suite: string;
  title: string;
  description?: string;
  rfc: string[];
  etsi?: string[];
  severity: Severity;
  sut: { roles: SutRole[]; requires?: string[]; transports?: TransportProtocol[] };
  agents: Record<string, { transport?: TransportProtocol; register?: boolean; 'same-user-as'?: string }>;
  steps: Step[];
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/** Loads and validates a scenario file; every problem is a ScenarioError naming file:line. */
export function loadScenario(file: string, text = readFileSync(file, 'utf8')): CheckDefinition {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ScenarioError(file, lineCounter.linePos(e.pos[0]).line, `YAML syntax: ${e.message.split('\n')[0]}`);
  }
  const data = doc.toJS() as unknown;
  if (!validate(data)) {
    const err = mostSpecific(validate.errors ?? []);
    const line = lineOf(doc, lineCounter, err.instancePath);
    throw new ScenarioError(file, line, describeAjvError(err));
  }
  const sc = data as unknown as ScenarioDoc;
  const lines = stepLines(doc, lineCounter);
  checkReferences(sc, file, lines);
  return {
    id: sc.id,
    suite: sc.suite,
    title: sc.title,
    description: sc.description ?? sc.title,
    rfc: sc.rfc,
    etsi: sc.etsi ?? [],
    severity: sc.severity,
    roles: sc.sut.roles,
    requires: sc.sut.requires ?? [],
    transports: sc.sut.transports,
    parties: Object.entries(sc.agents)
      .filter(([, a]) => !a['same-user-as'])
      .map(([name]) => name),
    source: file,
    run: (ctx) => new Interpreter(sc, ctx, file, lines).run(),
  };
}

function mostSpecific(errors: ErrorObject[]): ErrorObject {
  // The deepest path is the most useful ("steps/3/expect/within" rather than "steps/3").
  return [...errors].sort(
    (a, b) => b.instancePath.length - a.instancePath.length || (a.keyword === 'additionalProperties' ? -1 : 1),
  )[0]!;
}

function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'the scenario';
  if (e.keyword === 'additionalProperties')
    return `${where}: unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'enum')
    return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'required')
    return `${where}: missing "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'maxProperties' || e.keyword === 'minProperties')
    return `${where}: a step has exactly one kind (register, invite, expect, respond ...)`;
  return `${where}: ${e.message}`;
}

function lineOf(doc: Document, lc: LineCounter, pointer: string): number | undefined {
  const path = pointer
    .split('/')
    .slice(1)
    .map((p) => (/^[0-9]+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
    if (node && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function stepLines(doc: Document, lc: LineCounter): number[] {
  const steps = doc.get('steps', true);
  if (!isSeq(steps)) return [];
  return steps.items.map((it) => (isMap(it) && it.range ? lc.linePos(it.range[0]).line : 0));
}

/** What a step saves under its `as:` name, known before the run from the step's kind. */
type SavedKind = Saved['kind'];

function savedKindOf(kind: string, body: Record<string, unknown>): SavedKind | undefined {
  switch (kind) {
    case 'register':
      return 'response';
    case 'invite':
      return 'call';
    case 'expect':
      return 'request' in body ? 'incoming' : 'response';
    case 'bye':
    case 'cancel':
      return 'outgoing';
    default:
      return undefined;
  }
}

const KIND_TEXT: Record<SavedKind, string> = {
  call: 'a call (saved by invite)',
  outgoing: 'a request we sent (saved by bye or cancel)',
  incoming: 'a received request (saved by expect … request)',
  response: 'a response (saved by register or expect … response)',
};

/**
 * Names used by steps must be defined before use (agents, and `as:` names of earlier steps), and a saved name must
 * be of the kind the step needs: `respond` answers a received request, `ack`, `bye` and `cancel` act on a call,
 * `expect … response` waits on a request we sent. All of it is known from the file, so it fails at load (exit 2).
 */
function checkReferences(sc: ScenarioDoc, file: string, lines: number[]): void {
  const agents = new Set(Object.keys(sc.agents));
  for (const [name, a] of Object.entries(sc.agents)) {
    if (a['same-user-as'] && !agents.has(a['same-user-as']))
      throw new ScenarioError(
        file,
        undefined,
        `agent ${name}: same-user-as names unknown agent "${a['same-user-as']}"`,
      );
  }
  const saved = new Map<string, SavedKind>();
  sc.steps.forEach((step, i) => {
    const [kind, raw] = Object.entries(step)[0]!;
    const body = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const fault = (detail: string) => new ScenarioError(file, lines[i], `step ${i + 1} (${kind}): ${detail}`);
    const need = (key: string, set: { has(name: string): boolean }, what: string) => {
      const v = body[key];
      if (typeof v === 'string' && !set.has(v)) throw fault(`${key} "${v}" is not ${what} defined before`);
    };
    const mustBe = (key: string, value: unknown, ...kinds: SavedKind[]) => {
      const k = typeof value === 'string' ? saved.get(value) : undefined;
      if (k && !kinds.includes(k))
        throw fault(`${key} "${value}" is ${KIND_TEXT[k]}, not ${kinds.map((x) => KIND_TEXT[x]).join(' or ')}`);
    };
    for (const k of ['agent', 'from']) need(k, agents, 'an agent');
    if (kind === 'invite') need('to', agents, 'an agent');
    if (kind === 'respond') need('to', saved, 'a saved request');
    for (const k of ['response', 'call', 'message']) need(k, saved, 'a saved name');
    if (kind === 'ack' && typeof raw === 'string' && !saved.has(raw)) throw fault(`"${raw}" is not a saved call`);
    if (kind === 'expect' && !(('agent' in body && 'request' in body) || 'response' in body))
      throw fault('give either agent + request, or response');
    if (kind === 'respond') mustBe('to', body.to, 'incoming');
    if (kind === 'ack') mustBe('ack', raw, 'call');
    if (kind === 'bye' || kind === 'cancel') mustBe('call', body.call, 'call');
    if (kind === 'expect' && !('request' in body)) mustBe('response', body.response, 'call', 'outgoing');
    const as = body.as;
    const k = savedKindOf(kind, body);
    if (typeof as === 'string' && k) saved.set(as, k);
  });
}

type Saved =
  | { kind: 'call'; call: OutgoingCall }
  | { kind: 'outgoing'; out: OutgoingRequest }
  | { kind: 'incoming'; inc: IncomingRequest }
  | { kind: 'response'; res: SipResponse; req?: SipRequest };

class Interpreter {
  private readonly parties = new Map<string, Party>();
  private readonly registrants = new Map<string, Registrant>();
  private readonly saved = new Map<string, Saved>();

  constructor(
    private readonly sc: ScenarioDoc,
    private readonly ctx: CheckContext,
    private readonly file: string,
    private readonly lines: number[],
  ) {}

  /** The step being run, so a fault found at run time names its line in the scenario file. */
  private currentStep = 0;

  private stepError(detail: string): ScenarioError {
    return new ScenarioError(this.file, this.lines[this.currentStep], `step ${this.currentStep + 1}: ${detail}`);
  }

  async run(): Promise<void> {
    await this.setupAgents();
    for (let i = 0; i < this.sc.steps.length; i++) {
      this.currentStep = i;
      const [kind, body] = Object.entries(this.sc.steps[i]!)[0]!;
      await this.ctx.step(this.label(kind, body), () => this.exec(kind, body as never));
    }
  }

  private async setupAgents(): Promise<void> {
    const entries = Object.entries(this.sc.agents);
    // Agents that share a user name are made after the one they copy.
    entries.sort(([, a], [, b]) => Number(!!a['same-user-as']) - Number(!!b['same-user-as']));
    for (const [name, a] of entries) {
      const transport = a.transport ?? this.ctx.defaultTransport();
      const user = a['same-user-as'] ? this.parties.get(a['same-user-as'])?.agent.user : undefined;
      if (a.register) {
        const party = await reachableParty(this.ctx, name, transport);
        this.parties.set(name, party);
      } else {
        const agent = user
          ? await this.ctx.agent(name, { listen: [transport], user })
          : await caller(this.ctx, name, transport);
        this.parties.set(name, { agent, uri: agent.aor });
      }
    }
  }

  private agent(name: string): SipAgent {
    return this.parties.get(name)!.agent;
  }

  private registrant(name: string): Registrant {
    let r = this.registrants.get(name) ?? this.parties.get(name)?.registrant;
    if (!r) {
      const agent = this.agent(name);
      r = this.ctx.registrant(agent, { transport: agent.transport.listeners()[0]!.transport });
      this.registrants.set(name, r);
    }
    return r;
  }

  private label(kind: string, body: unknown): string {
    const b = (body ?? {}) as Record<string, unknown>;
    switch (kind) {
      case 'register': {
        const what =
          b.contact === 'none'
            ? 'queries its bindings'
            : b.contact === 'star'
              ? 'removes all bindings (Contact: *)'
              : b.expires === 0
                ? 'removes its binding (Expires: 0)'
                : 'registers';
        return `${b.agent} ${what}${b.expires !== undefined && b.expires !== 0 ? ` for ${b.expires} s` : ''}${b.expect ? `, expects ${b.expect}` : ''}`;
      }
      case 'invite':
        return `${b.from} sends INVITE to ${b.to} through the SUT`;
      case 'expect':
        return b.request
          ? `${b.agent} receives ${b.request}`
          : `${b.response} gets ${Array.isArray(b.status) ? b.status.join(' or ') : (b.status ?? 'a final response')}`;
      case 'expect-none':
        return `${b.agent} receives no ${b.request} for ${b.for}`;
      case 'respond':
        return `answer ${b.to} with ${b.status}`;
      case 'ack':
        return `ACK the 2xx of ${String(body)}`;
      case 'bye':
        return `BYE on ${b.call}`;
      case 'cancel':
        return `CANCEL ${b.call}`;
      case 'wait':
        return `wait ${String(body)}`;
      case 'assert':
        return `check ${b.message} (${b.rfc})`;
      default:
        return kind;
    }
  }

  private get(name: string): Saved {
    const v = this.saved.get(name);
    if (!v) throw this.stepError(`"${name}" was not saved by an earlier step`);
    return v;
  }

  private async exec(kind: string, body: never): Promise<void> {
    const b = body as Record<string, never>;
    switch (kind) {
      case 'register':
        return this.register(b);
      case 'invite': {
        const to = this.parties.get(b.to as string)!;
        const from = this.agent(b.from as string);
        const headers = Object.entries((b.headers ?? {}) as Record<string, string | number>);
        const transport = from.transport.listeners()[0]!.transport;
        const call = await from.invite(to.uri, {
          target: this.ctx.sutTarget(transport),
          headers,
          contact: new NameAddr(from.contact(transport).uri),
        });
        this.saved.set(b.as as string, { kind: 'call', call });
        return;
      }
      case 'expect':
        return b.request ? this.expectRequest(b) : this.expectResponse(b);
      case 'expect-none': {
        const rfc = (b.rfc as string | undefined) ?? this.sc.rfc[0];
        await this.agent(b.agent as string)
          .expectNoRequest(b.request as string, b.for as string)
          .catch((e: Error) => this.ctx.fail(`${e.message} (${rfc})`));
        return;
      }
      case 'respond': {
        const s = this.get(b.to as string);
        if (s.kind !== 'incoming') throw this.stepError(`respond: "${b.to}" is not a received request`);
        await s.inc.respond(b.status as number, {
          headers: Object.entries((b.headers ?? {}) as Record<string, string | number>),
        });
        return;
      }
      case 'ack': {
        const s = this.get(body as string);
        if (s.kind !== 'call') throw this.stepError(`ack: "${String(body)}" is not a call`);
        await s.call.ack();
        return;
      }
      case 'bye':
      case 'cancel': {
        const s = this.get(b.call as string);
        if (s.kind !== 'call') throw this.stepError(`${kind}: "${b.call}" is not a call`);
        const out = kind === 'bye' ? await s.call.bye() : await s.call.cancel();
        this.saved.set(b.as as string, { kind: 'outgoing', out });
        return;
      }
      case 'wait':
        await new Promise((r) => setTimeout(r, this.ctx.ms(body as string | number)));
        return;
      case 'assert':
        return this.assert(b);
      default:
        throw this.stepError(`unknown step "${kind}"`);
    }
  }

  private async register(b: Record<string, unknown>): Promise<void> {
    const r = this.registrant(b.agent as string);
    const contact = b.contact === 'none' ? null : b.contact === 'star' ? '*' : undefined;
    const regId = [...r.flows.keys()][0]!;
    const auth = b.auth !== false;
    let final: Received<SipResponse>;
    if (!auth) {
      const rf = r.flows.get(regId)!;
      const out = await r.sendRegister(rf, await r.targetFor(rf, false), {
        expires: b.expires as number | undefined,
        contact,
      });
      final = await out
        .final({ within: (b.within as string | undefined) ?? '64*T1' })
        .catch((e: Error) => this.ctx.fail(`no final response to REGISTER: ${e.message} (RFC 3261 §10.3)`));
      this.save(b.as, { kind: 'response', res: final.message, req: out.request });
    } else {
      final = await r
        .register(regId, {
          expires: b.expires as number | undefined,
          contact,
          within: this.ctx.ms((b.within as string | undefined) ?? '64*T1'),
        })
        .catch((e: Error) => this.ctx.fail(`no final response to REGISTER: ${e.message} (RFC 3261 §10.3)`));
      this.save(b.as, { kind: 'response', res: final.message, req: r.flows.get(regId)!.lastRequest });
      this.ctx.checkAccountAccepted(r.agent, final.message.status);
    }
    const want = b.expect as number | undefined;
    if (want !== undefined && final.message.status !== want) {
      this.ctx.fail(
        `REGISTER got ${final.message.status} ${final.message.reason}, expected ${want} (${(b.rfc as string | undefined) ?? this.sc.rfc[0]})`,
      );
    }
  }

  private save(name: unknown, v: Saved): void {
    if (typeof name === 'string') this.saved.set(name, v);
  }

  private async expectRequest(b: Record<string, unknown>): Promise<void> {
    const agent = this.agent(b.agent as string);
    const rfc = (b.rfc as string | undefined) ?? this.sc.rfc[0];
    try {
      const inc = await agent.expect(b.request as string, {
        within: (b.within as string | number | undefined) ?? '64*T1',
      });
      this.save(b.as, { kind: 'incoming', inc });
    } catch (e) {
      if (e instanceof ExpectationError) this.ctx.fail(`${e.message} (${rfc})`);
      throw e;
    }
  }

  private async expectResponse(b: Record<string, unknown>): Promise<void> {
    const s = this.get(b.response as string);
    const out = s.kind === 'call' ? s.call : s.kind === 'outgoing' ? s.out : undefined;
    if (!out) throw this.stepError(`expect: "${b.response}" is not a request we sent`);
    const statuses =
      b.status === undefined ? undefined : Array.isArray(b.status) ? (b.status as number[]) : [b.status as number];
    const rfc = (b.rfc as string | undefined) ?? this.sc.rfc[0];
    const within = (b.within as string | number | undefined) ?? '64*T1';
    let rx: Received<SipResponse>;
    try {
      rx = statuses
        ? await out.expectResponse((st) => statuses.includes(st) || (st >= 200 && !statuses.some((x) => x < 200)), {
            within,
          })
        : await out.final({ within });
    } catch (e) {
      if (e instanceof ExpectationError) this.ctx.fail(`${e.message} (${rfc})`);
      throw e;
    }
    if (statuses && !statuses.includes(rx.message.status)) {
      this.ctx.fail(
        `${out.tx.method} got ${rx.message.status} ${rx.message.reason}, expected ${statuses.join(' or ')} (${rfc})`,
      );
    }
    this.save(b.as, { kind: 'response', res: rx.message, req: out.request });
  }

  private assert(b: Record<string, unknown>): void {
    const s = this.get(b.message as string);
    const rfc = b.rfc as string;
    const msg: SipMessage =
      s.kind === 'response'
        ? s.res
        : s.kind === 'incoming'
          ? s.inc.request
          : s.kind === 'call'
            ? s.call.request
            : s.out.request;
    const req = s.kind === 'response' ? s.req : undefined;
    const fail = (what: string) => this.ctx.fail(`${b.message}: ${what} (${rfc})`);
    for (const h of (b['same-as-request'] as string[] | undefined) ?? []) {
      if (!req) fail(`has no request to compare ${h} with`);
      const a = h === 'Via' ? msg.getAll('via').join(',') : msg.get(h)?.trim();
      const e = h === 'Via' ? req!.getAll('via').join(',') : req!.get(h)?.trim();
      if (a !== e) fail(`${h} "${a}" differs from the request's "${e}"`);
    }
    if (b['to-tag'] === true && !msg.to.tag) fail('To has no tag');
    for (const h of (b['has-header'] as string[] | undefined) ?? []) if (!msg.has(h)) fail(`has no ${h} header`);
    for (const [h, min] of Object.entries((b['header-at-least'] as Record<string, number> | undefined) ?? {})) {
      const v = Number(msg.get(h));
      if (!(v >= min)) fail(`${h} is ${msg.get(h) ?? 'absent'}, expected at least ${min}`);
    }
    const c = b.contacts as
      | { count?: number; includes?: string[]; excludes?: string[]; 'max-expires'?: number; 'with-expires'?: boolean }
      | undefined;
    if (c) {
      const contacts = msg.contacts;
      const list = contacts.map((x) => x.toString()).join(', ') || 'none';
      if (c.count !== undefined && contacts.length !== c.count)
        fail(`lists ${contacts.length} Contact(s) (${list}), expected ${c.count}`);
      const port = (name: string) => this.agent(name).transport.listeners()[0]!.local.port;
      const listed = (name: string) => contacts.some((x) => x.uri.kind === 'sip' && x.uri.port === port(name));
      for (const n of c.includes ?? [])
        if (!listed(n)) fail(`does not list ${n}'s binding (port ${port(n)}); Contacts: ${list}`);
      for (const n of c.excludes ?? []) if (listed(n)) fail(`still lists ${n}'s binding; Contacts: ${list}`);
      for (const x of contacts) {
        const e = x.params.get('expires');
        if ((c['with-expires'] || c['max-expires'] !== undefined) && (e === undefined || e === null))
          fail(`Contact ${x} has no expires parameter`);
        if (c['max-expires'] !== undefined && Number(e) > c['max-expires'])
          fail(`Contact ${x} has expires=${e}, more than the ${c['max-expires']} s asked`);
      }
    }
  }
}
