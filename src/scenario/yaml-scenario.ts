/**
 * YAML scenarios: loading (with the JSON Schema assembled from the step table, errors at file:line), the
 * load-time reference checks, and the interpreter that plays the steps on agents. A scenario reads like SIPp's XML
 * or a ladder diagram — one step per exchange, no hidden logic. The vocabulary itself is src/scenario/steps/.
 */
import { readFileSync } from 'node:fs';
import Ajv, { ErrorObject } from 'ajv';
import { LineCounter, isMap, isSeq, parseDocument, Node as YamlNode, Document } from 'yaml';
import type { TSchema } from '@sinclair/typebox';
import { CheckDefinition } from './check';
import type { CheckContext } from './context';
import { SCENARIO_SCHEMA, ScenarioDoc, Step, kindOf } from './steps';
import { setupAgents } from './steps/agents';
import { namesIn, referenceProblem } from './steps/references';
import { Runtime } from './steps/runtime';
import type { SavedKind } from './steps/schema-parts';

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

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile<ScenarioDoc>(SCENARIO_SCHEMA);

/** Loads and validates a scenario file; every problem is a ScenarioError naming file:line. */
export function loadScenario(file: string, text = readFileSync(file, 'utf8')): CheckDefinition {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ScenarioError(file, lineCounter.linePos(e.pos[0]).line, `YAML syntax: ${e.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS();
  if (!validate(data)) {
    const err = mostSpecific(validate.errors ?? []);
    const line = lineOf(doc, lineCounter, err.instancePath);
    throw new ScenarioError(file, line, describeAjvError(err));
  }
  const sc = data;
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
    run: (ctx) => runScenario(sc, ctx, file, lines),
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
  const p = e.params as { additionalProperty?: string; allowedValues?: unknown[]; missingProperty?: string };
  if (e.keyword === 'additionalProperties') {
    const key = p.additionalProperty ?? '';
    // `{ rfc: RFC 3261 §9.1, §16.10 }`: inside { } a comma separates keys, so the second section became a key.
    const hint = /^(§|RFC )/.test(key) ? " (inside { } quote a list of sections: rfc: 'RFC 3261 §9.1, §16.10')" : '';
    return `${where}: unknown key "${key}"${hint}`;
  }
  if (e.keyword === 'enum') return `${where}: must be one of ${(p.allowedValues ?? []).join(', ')}`;
  if (e.keyword === 'required') return `${where}: missing "${p.missingProperty}"`;
  if (e.keyword === 'maxProperties' || e.keyword === 'minProperties')
    return `${where}: a step has exactly one kind (register, invite, request, expect, respond ...)`;
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

function entryOf(step: Step): [string, unknown] {
  return Object.entries(step)[0]!;
}

/**
 * Names used by steps must be defined before use (agents, and `as:` names of earlier steps), and a saved name must
 * be of a kind the field accepts (the schema's `x-ref`). All of it is known from the file, so it fails at load.
 */
function checkReferences(sc: ScenarioDoc, file: string, lines: number[]): void {
  const agents = new Set(Object.keys(sc.agents));
  for (const [name, a] of Object.entries(sc.agents)) {
    const other = a['same-user-as'];
    if (other && !agents.has(other))
      throw new ScenarioError(file, undefined, `agent ${name}: same-user-as names unknown agent "${other}"`);
    const via = a.outbound?.via;
    if (via && !sc.agents[via]?.['edge-proxy'])
      throw new ScenarioError(file, undefined, `agent ${name}: outbound via "${via}" is not an edge-proxy agent`);
  }
  const saved = new Map<string, SavedKind>();
  sc.steps.forEach((step, i) => {
    const [kind, body] = entryOf(step);
    const k = kindOf(kind)!;
    const fault = (detail: string) => new ScenarioError(file, lines[i], `step ${i + 1} (${kind}): ${detail}`);
    for (const ref of namesIn(k.schema, body, kind)) {
      const problem = referenceProblem(ref, agents, saved);
      if (problem) throw fault(problem);
    }
    const rule = k.validate?.(body as never);
    if (rule) throw fault(rule);
    const as = (body as { as?: unknown } | null)?.as;
    const savedKind = k.saves?.(body as never);
    if (typeof as === 'string' && savedKind) saved.set(as, savedKind);
  });
}

async function runScenario(sc: ScenarioDoc, ctx: CheckContext, file: string, lines: number[]): Promise<void> {
  const rt = new Runtime(ctx, { file, rfc: sc.rfc, sentByAgents: sentMethods(sc) }, lines);
  await setupAgents(rt, sc.agents);
  for (let i = 0; i < sc.steps.length; i++) {
    rt.step = i;
    const [kind, body] = entryOf(sc.steps[i]!);
    const k = kindOf(kind)! as { label(b: unknown): string; run(b: unknown, rt: Runtime): Promise<void> } & {
      schema: TSchema;
    };
    await ctx.step(k.label(body), () => k.run(body, rt));
  }
}

/** The methods the scenario's own agents send: a request of one of these reaching an agent was forwarded. */
function sentMethods(sc: ScenarioDoc): Set<string> {
  const out = new Set<string>();
  for (const step of sc.steps) {
    if ('request' in step) out.add(step.request.method);
    if ('invite' in step) out.add('INVITE');
    if ('ack' in step) out.add('ACK');
    if ('bye' in step) out.add('BYE');
    if ('cancel' in step) out.add('CANCEL');
    if ('register' in step) out.add('REGISTER');
  }
  return out;
}
