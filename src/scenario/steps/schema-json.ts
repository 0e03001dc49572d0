/** The scenario JSON Schema as the text of src/scenario/scenario-schema.json (2-space JSON, final newline). */
import { SCENARIO_SCHEMA } from './index';

export function scenarioSchemaJson(): string {
  return `${JSON.stringify(SCENARIO_SCHEMA, null, 2)}\n`;
}
