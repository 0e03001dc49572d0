/**
 * The step table is the one source of the YAML vocabulary: the checked-in JSON Schema (for editors) is exactly the
 * schema the loader validates with, and every kind in the schema comes from the table.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse } from 'yaml';
import path from 'node:path';
import { SCENARIO_SCHEMA, STEP_KINDS } from '../../src/scenario/steps';
import { scenarioSchemaJson } from '../../src/scenario/steps/schema-json';

const file = path.resolve(__dirname, '..', '..', 'src', 'scenario', 'scenario-schema.json');

test('src/scenario/scenario-schema.json is the schema assembled from the step table (npx tsx scripts/scenario-schema.ts)', () => {
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(scenarioSchemaJson()));
});

test('the schema offers exactly the kinds of the table, each with a summary', () => {
  const step = (SCENARIO_SCHEMA.properties.steps as unknown as { items: { properties: Record<string, unknown> } })
    .items;
  expect(Object.keys(step.properties).sort()).toEqual(Object.keys(STEP_KINDS).sort());
  for (const k of Object.values(STEP_KINDS)) expect(k.summary.length).toBeGreaterThan(10);
});

test('docs/step-vocabulary.md shows every kind with an example that the schema accepts', () => {
  const doc = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'step-vocabulary.md'), 'utf8');
  const examples = [...doc.matchAll(/`- ([a-z0-9-]+): (.*?)` \|$/gm)].map((m) => ({
    kind: m[1]!,
    text: `${m[1]}: ${m[2]}`,
  }));
  expect(new Set(examples.map((e) => e.kind))).toEqual(new Set(Object.keys(STEP_KINDS)));
  const ajv = new Ajv({ allErrors: true, strict: false });
  const step = ajv.compile((SCENARIO_SCHEMA.properties.steps as unknown as { items: object }).items);
  for (const e of examples) {
    const ok = step(parse(e.text));
    expect({ example: e.text, errors: ok ? null : step.errors }).toEqual({ example: e.text, errors: null });
  }
});
