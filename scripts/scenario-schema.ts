/**
 * Writes src/scenario/scenario-schema.json from the step table (src/scenario/steps), for editors
 * (`# yaml-language-server: $schema=...`). test/scenario/step-table.test.ts fails when the file is stale.
 *   npx tsx scripts/scenario-schema.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scenarioSchemaJson } from '../src/scenario/steps/schema-json';

writeFileSync(path.resolve(__dirname, '..', 'src', 'scenario', 'scenario-schema.json'), scenarioSchemaJson());
