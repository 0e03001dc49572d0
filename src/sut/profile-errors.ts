/**
 * Schema errors of a SUT profile, located and worded for the user: which of Ajv's errors to show, where in the YAML
 * each one points (file:line of the key or value at fault), and what it says.
 */
import { ErrorObject } from 'ajv';
import { Document, Node, Pair, Scalar, isMap, isScalar, isSeq } from 'yaml';

/**
 * Drops the generic "must match then schema" companions of if/then errors, and folds the branch errors of an
 * anyOf (e.g. a capability: known name or x-custom) into the anyOf error itself, one message per value.
 */
export function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    if (anyOfPaths.has(e.instancePath) && e.keyword !== 'anyOf') continue;
    if (e.keyword === 'anyOf') {
      const allowed = errors
        .filter((x) => x.instancePath === e.instancePath && x.keyword === 'enum')
        .flatMap((x) => (x.params as { allowedValues: unknown[] }).allowedValues);
      const patterns = errors
        .filter((x) => x.instancePath === e.instancePath && x.keyword === 'pattern')
        .map((x) => String((x.params as { pattern: string }).pattern));
      out.push({ ...e, keyword: 'enum', params: { allowedValues: allowed, patterns } });
      continue;
    }
    out.push(e);
  }
  return out;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function nodeOf(doc: Document, segments: Array<string | number>): Node | undefined {
  let node: unknown = doc.contents;
  for (const seg of segments) {
    if (isMap(node)) node = node.get(String(seg), true);
    else if (isSeq(node)) node = node.get(Number(seg), true);
    else return undefined;
  }
  return node as Node | undefined;
}

function keyNode(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p: Pair) => (isScalar(p.key) ? String((p.key as Scalar).value) : String(p.key)) === key);
  return pair?.key as Node | undefined;
}

export function locate(doc: Document, err: ErrorObject): { node?: Node; key?: Node } {
  const segs = pointerSegments(err.instancePath);
  const node = nodeOf(doc, segs) ?? (doc.contents as Node | undefined);
  if (err.keyword === 'additionalProperties') {
    return { node, key: keyNode(node, String((err.params as { additionalProperty: string }).additionalProperty)) };
  }
  if (err.keyword === 'propertyNames') {
    return { node, key: keyNode(node, String((err.params as { propertyName: string }).propertyName)) };
  }
  return { node };
}

export function describeError(err: ErrorObject): string {
  const where = pointerSegments(err.instancePath).join('.') || '(top level)';
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((err.parentSchema as { properties?: object })?.properties ?? {}).filter(
        (k) => k !== '$schema',
      );
      return `unknown key "${String(p.additionalProperty)}"${where === '(top level)' ? '' : ` in ${where}`} (allowed: ${allowed.join(', ')})`;
    }
    case 'required':
      return `missing required key "${String(p.missingProperty)}"${where === '(top level)' ? '' : ` in ${where}`}`;
    case 'enum': {
      const patterns = (p.patterns as string[] | undefined) ?? [];
      const extra = patterns.length > 0 ? `, or a name matching ${patterns.join(' or ')}` : '';
      return `${where}: ${JSON.stringify(err.data)} is not one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${extra}`;
    }
    case 'type':
      return `${where}: must be ${String(p.type).replace(',', ' or ')}, not ${JSON.stringify(err.data)}`;
    case 'pattern': {
      const examples = (err.parentSchema as { examples?: string[] })?.examples;
      return `${where}: ${JSON.stringify(err.data)} has the wrong form${examples ? ` (e.g. ${examples.join(', ')})` : ` (pattern ${String(p.pattern)})`}`;
    }
    case 'propertyNames':
      return `${where}: bad name "${String(p.propertyName)}" (letters and digits, starting with a letter)`;
    default:
      return `${where}: ${err.message ?? err.keyword}`;
  }
}
