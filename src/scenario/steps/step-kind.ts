/**
 * One step kind of the YAML vocabulary, in one place: its schema (which is also its TypeScript type), what it
 * saves under `as:`, any rule the schema cannot say, the label shown in reports, and how it runs.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Runtime } from './runtime';
import type { SavedKind } from './schema-parts';

export interface StepKind<S extends TSchema = TSchema> {
  readonly schema: S;
  /** One line for the vocabulary reference. */
  readonly summary: string;
  /** What `as:` saves (undefined: the step saves nothing). */
  saves?(body: Static<S>): SavedKind | undefined;
  /** A rule beyond the schema (e.g. "give either … or …"), checked at load: the problem, or undefined. */
  validate?(body: Static<S>): string | undefined;
  label(body: Static<S>): string;
  run(body: Static<S>, rt: Runtime): Promise<void>;
}

export function stepKind<S extends TSchema>(k: StepKind<S>): StepKind<S> {
  return k;
}
