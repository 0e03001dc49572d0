/**
 * The step vocabulary of YAML scenarios: one table, one entry per step kind. The scenario JSON Schema is assembled
 * from it (src/scenario/scenario-schema.json is this schema, written out for editors and checked by a test), and
 * the TypeScript type of every step body is the static type of its schema.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { assert } from './assert';
import { ack, bye, cancel } from './dialog-steps';
import { expect } from './expect';
import { fault, ping } from './flow-steps';
import { invite } from './invite';
import { register } from './register';
import { request } from './request';
import { respond } from './respond';
import { OneOf, Rfc, Status, Transport, Type, obj } from './schema-parts';
import type { StepKind } from './step-kind';
import { expectNone, retransmissions, wait } from './timing-steps';
import { dial, flowEvent, registerArrives, resend2xx } from './ua-steps';

export const STEP_KINDS = {
  register,
  invite,
  request,
  expect,
  'expect-none': expectNone,
  respond,
  ack,
  bye,
  cancel,
  wait,
  retransmissions,
  assert,
  fault,
  ping,
  'register-arrives': registerArrives,
  'flow-event': flowEvent,
  dial,
  'resend-2xx': resend2xx,
} as const;

export type StepKindName = keyof typeof STEP_KINDS;

/** One step as written in YAML: `{ <kind>: <body> }`, the body typed by its kind's schema. */
export type Step = { [K in StepKindName]: { [P in K]: Static<(typeof STEP_KINDS)[K]['schema']> } }[StepKindName];

export function kindOf(name: string): StepKind<TSchema> | undefined {
  return (STEP_KINDS as Record<string, StepKind<TSchema>>)[name];
}

/** A step: an object with exactly one key, the kind, whose value its kind's schema validates. */
const stepSchema = Type.Unsafe<Step>({
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: Object.fromEntries(Object.entries(STEP_KINDS).map(([k, v]) => [k, v.schema])),
});

const agentSchema = obj({
  transport: Type.Optional(Transport),
  register: Type.Optional(
    Type.Boolean({
      description:
        'make the agent reachable through the SUT before the steps (registered, or addressed directly when the SUT has no registrar)',
    }),
  ),
  'same-user-as': Type.Optional(Type.String({ description: "another agent's user name (a second device of the AOR)" })),
  outbound: Type.Optional(
    obj(
      {
        'reg-ids': Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 }),
        via: Type.Optional(Type.String({ description: 'register through this edge-proxy agent (RFC 5626 §5)' })),
      },
      'an RFC 5626 UA instance: one TCP/TLS flow per reg-id, registered by `register: { reg-id }` steps',
    ),
  ),
  'ua-registrar': Type.Optional(
    obj(
      {
        'grant-expires': Type.Optional(Type.Integer({ minimum: 1, description: 'the expiry granted in the 200 (s)' })),
        'flow-timer': Type.Optional(
          Type.Integer({ minimum: 1, description: 'Flow-Timer in the 200 (s, RFC 5626 §4.4.1)' }),
        ),
        'auto-pong': Type.Optional(Type.Boolean({ description: "answer the UA's CRLF pings (default true)" })),
        'first-answer': Type.Optional(Status),
      },
      "role ua: the harness is the UA's registrar / edge; the UA is started (or awaited) and its first REGISTER answered",
    ),
  ),
  'edge-proxy': Type.Optional(
    obj(
      {
        'fail-first-invite': Type.Optional(
          Type.Boolean({ description: 'answer 430 Flow Failed to the first INVITE routed to a flow (RFC 5626 §5.3)' }),
        ),
      },
      "the harness as an RFC 5626 edge proxy in front of the SUT's registrar (the profile's registrar address)",
    ),
  ),
});

/** The whole scenario file. */
export const SCENARIO_SCHEMA = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Z0-9]+(-[A-Z0-9]+)+$', description: 'Stable check id, SUITE-WHAT' }),
    suite: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
    title: Type.String({ minLength: 5 }),
    description: Type.Optional(Type.String()),
    rfc: Type.Array(Type.String({ pattern: '^RFC [0-9]+ §[0-9A-Z.]+$' }), { minItems: 1 }),
    etsi: Type.Optional(
      Type.Array(Type.String({ pattern: '^SIP_[A-Z]{2}_[A-Z]{2}(_[A-Z]{2}){0,2}_(V|I|O|TI)_[0-9]{3}$' }), {
        description: 'ETSI TS 102 027-2 test purposes the check covers (src/scenario/etsi/ts-102-027-2.json)',
      }),
    ),
    severity: OneOf(['blocker', 'critical', 'normal', 'minor', 'trivial'] as const),
    sut: obj({
      roles: Type.Array(OneOf(['proxy', 'registrar', 'b2bua', 'ua'] as const), { minItems: 1 }),
      requires: Type.Optional(Type.Array(Type.String())),
      transports: Type.Optional(Type.Array(Transport)),
    }),
    agents: Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]*$' }), agentSchema, { minProperties: 1 }),
    steps: Type.Array(stepSchema, { minItems: 1 }),
  },
  {
    additionalProperties: false,
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://sipconf.dev/schema/scenario.json',
    title: 'sipconf scenario',
    description: 'A declarative conformance check: metadata, agents and the ladder of steps.',
  },
);

export type ScenarioDoc = Static<typeof SCENARIO_SCHEMA>;
export type AgentDecl = Static<typeof agentSchema>;

export { Rfc };
