/**
 * The pieces step schemas are built from (TypeBox: one definition gives the JSON Schema the loader validates with
 * and the TypeScript type the step's code receives). A name that refers to an agent or to a value an earlier step
 * saved carries `x-ref`, so the load-time reference checks find every such name from the schema alone.
 */
import { Type, TSchema, Static } from '@sinclair/typebox';

/** What a step saves under its `as:` name; known before the run from the step's kind and body. */
export type SavedKind = 'call' | 'outgoing' | 'incoming' | 'response';

export const SAVED_KIND_TEXT: Readonly<Record<SavedKind, string>> = {
  call: 'a call (saved by invite)',
  outgoing: 'a request we sent (saved by request, bye or cancel)',
  incoming: 'a received request (saved by expect … request)',
  response: 'a response (saved by register or expect … response)',
};

const NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';

/** A name of the scenario's own choosing (`as:`). */
export const Name = Type.String({ pattern: NAME_PATTERN });

/** An agent declared under `agents:`. */
export const AgentRef = Type.String({ pattern: NAME_PATTERN, 'x-ref': 'agent' });

/** A name an earlier step saved, of one of these kinds. */
export function SavedRef(kinds: SavedKind[], description?: string) {
  return Type.String({ pattern: NAME_PATTERN, 'x-ref': kinds, ...(description ? { description } : {}) });
}

/** Any saved message: a call, a request we sent, a received request or a response. */
export const MessageRef = SavedRef(['call', 'outgoing', 'incoming', 'response'], 'a saved request or response');

/** ms, "2s", "500ms", "T1", "64*T1" — checked at load so a typo is a file:line error, not a run-time one. */
export const Duration = Type.Union([
  Type.Number({ minimum: 0 }),
  Type.String({
    pattern: '^\\s*(?:(?:[0-9]+(?:\\.[0-9]+)?\\s*\\*\\s*)?T[124]|[0-9]+(?:\\.[0-9]+)?\\s*(?:ms|s|m)?)\\s*$',
  }),
]);
export type DurationText = Static<typeof Duration>;

/** A method token (RFC 3261 §25.1), upper case by convention: OPTIONS, SUBSCRIBE, PRACK … */
export const Method = Type.String({ pattern: '^[A-Z][A-Z-]*$' });

export const Status = Type.Integer({ minimum: 100, maximum: 699 });

/** Extra header fields, in order: `{ Event: presence, Expires: 600 }`. */
export const Headers = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
  description: 'extra header fields, added in this order',
});

/** "RFC 3261 §13.2.2.4" — the section a step's expectation asserts. */
export const Rfc = Type.String({
  pattern: '^RFC [0-9]+ §[0-9A-Z]',
  description: 'the section(s) this step asserts; without it a failure cites all the scenario’s sections',
});

/** One of a few words: a JSON Schema `enum` (so an error lists them), typed as their union. */
export function OneOf<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: values, ...(description ? { description } : {}) });
}

export const Transport = OneOf(['udp', 'tcp', 'tls'] as const);

/**
 * An expectation on one field of a message. The field is a header name (`Max-Forwards`), a header parameter
 * (`To.tag`, `Via.branch`, `Contact.expires`), `CSeq.seq`, `CSeq.method`, `Request-URI`, `status` or `reason`.
 */
export const FieldExpectation = Type.Object(
  {
    equals: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    matches: Type.Optional(Type.String({ description: 'a regular expression the value must match' })),
    absent: Type.Optional(Type.Boolean({ description: 'true: the field must be absent; false: present' })),
    count: Type.Optional(Type.Integer({ minimum: 0, description: 'how many values (header fields) it has' })),
    'min-count': Type.Optional(
      Type.Integer({ minimum: 0, description: 'at least this many values (Via: 2 = crossed a proxy)' }),
    ),
    includes: Type.Optional(Type.String({ description: 'a comma-separated list (option tags, methods) includes it' })),
    'at-least': Type.Optional(Type.Number()),
    'at-most': Type.Optional(Type.Number()),
    'same-as': Type.Optional(MessageRef),
    'is-contact-of': Type.Optional(
      Type.String({
        pattern: NAME_PATTERN,
        'x-ref': 'agent',
        description: "a URI with this agent's Contact user and port",
      }),
    ),
    'differs-from': Type.Optional(MessageRef),
    'one-more-than': Type.Optional(MessageRef),
    'not-above': Type.Optional(
      Type.Object(
        { message: MessageRef, field: Type.String() },
        {
          additionalProperties: false,
          description: "a number no larger than a saved message's field (e.g. its Expires)",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type FieldExpectationBody = Static<typeof FieldExpectation>;

/** What the body of a message must contain. */
export const BodyExpectation = Type.Object(
  {
    contains: Type.Optional(Type.String()),
    matches: Type.Optional(Type.String()),
    absent: Type.Optional(Type.Boolean()),
    'content-type': Type.Optional(Type.String()),
    sdp: Type.Optional(
      Type.Object(
        {
          attributes: Type.Optional(
            Type.Array(Type.String(), { description: 'a= lines that must be present, e.g. sendrecv or rtpmap:0' }),
          ),
          'no-attributes': Type.Optional(Type.Array(Type.String())),
          media: Type.Optional(Type.String({ description: 'an m= line must start with this, e.g. "audio"' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type BodyExpectationBody = Static<typeof BodyExpectation>;

/** The expectations any received message may carry (in `expect` and `assert`). */
export const MessageExpectationProps = {
  headers: Type.Optional(
    Type.Record(Type.String(), FieldExpectation, {
      description: 'per field: equals / matches / absent / count / includes / at-least / same-as / differs-from',
    }),
  ),
  body: Type.Optional(BodyExpectation),
  transport: Type.Optional(Transport),
  'same-flow-as': Type.Optional(MessageRef),
  'other-flow-than': Type.Optional(MessageRef),
  'reg-id-flow': Type.Optional(Type.Integer({ minimum: 1, description: 'arrived on the flow of this reg-id' })),
  'registered-flow': Type.Optional(
    Type.Boolean({ description: "arrived on one of the receiving agent's registered outbound flows (RFC 5626 §5.3)" }),
  ),
};

export function obj<P extends Record<string, TSchema>>(props: P, description?: string) {
  return Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
}

export { Type };
