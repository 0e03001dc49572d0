/**
 * Load-time reference checks, read off the schema: every string whose schema carries `x-ref` names an agent or a
 * value an earlier step saved, and must be defined before use and of a kind the field accepts. A wrong name is a
 * file:line error before anything runs (exit 2), never a run-time surprise.
 */
import type { TSchema } from '@sinclair/typebox';
import { SAVED_KIND_TEXT, SavedKind } from './schema-parts';

export interface NameRef {
  /** The key the name was found under (`to`, `same-as` …), for the error message. */
  key: string;
  name: string;
  ref: 'agent' | SavedKind[];
}

function typeMatches(schema: TSchema, value: unknown): boolean {
  const t = (schema as { type?: string }).type;
  if (t === undefined) return true;
  if (t === 'array') return Array.isArray(value);
  if (t === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (t === 'integer' || t === 'number') return typeof value === 'number';
  return typeof value === t;
}

/** Every name reference in `value`, found by walking it along `schema`. */
export function namesIn(schema: TSchema, value: unknown, key = ''): NameRef[] {
  const s = schema as TSchema & {
    'x-ref'?: 'agent' | SavedKind[];
    anyOf?: TSchema[];
    properties?: Record<string, TSchema>;
    patternProperties?: Record<string, TSchema>;
    additionalProperties?: TSchema | boolean;
    items?: TSchema;
  };
  if (s['x-ref'] && typeof value === 'string') return [{ key, name: value, ref: s['x-ref'] }];
  if (s.anyOf) return s.anyOf.filter((b) => typeMatches(b, value)).flatMap((b) => namesIn(b, value, key));
  if (Array.isArray(value) && s.items) return value.flatMap((v) => namesIn(s.items!, v, key));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: NameRef[] = [];
    for (const [k, v] of Object.entries(value)) {
      const sub =
        s.properties?.[k] ??
        Object.values(s.patternProperties ?? {})[0] ??
        (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (sub) out.push(...namesIn(sub, v, k));
    }
    return out;
  }
  return [];
}

/** The problem with one reference, or undefined when the name is defined and of an accepted kind. */
export function referenceProblem(
  r: NameRef,
  agents: ReadonlySet<string>,
  saved: ReadonlyMap<string, SavedKind>,
): string | undefined {
  const label = r.key ? `${r.key} "${r.name}"` : `"${r.name}"`;
  if (r.ref === 'agent') return agents.has(r.name) ? undefined : `${label} is not an agent defined before`;
  const kind = saved.get(r.name);
  if (!kind) return `${label} is not a saved name defined before`;
  if (!r.ref.includes(kind))
    return `${label} is ${SAVED_KIND_TEXT[kind]}, not ${r.ref.map((k) => SAVED_KIND_TEXT[k]).join(' or ')}`;
  return undefined;
}
