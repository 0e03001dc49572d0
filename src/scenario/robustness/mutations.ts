/**
 * Generated malformed requests in the PROTOS c07-sip style: each case puts one anomaly (an overflowing string, a bad
 * integer, broken quoting, a bad %-escape, NUL bytes, CR/LF injection, high-bit bytes) into one field of a
 * well-formed request, or breaks its structure (missing and duplicated headers, Content-Length lies, huge messages,
 * bad start lines, bad line endings). The list is deterministic for a seed and bounded by `count`.
 */
import { BaseParams, RawMessage, cloneRaw, headerIndex, removeHeader, serializeRaw, setHeader } from './raw-message';
import { Prng } from './prng';

export interface RobustnessCase {
  /** Short stable name: `cseq-number/integer-overflow`. */
  name: string;
  /** What the case does, for the report. */
  description: string;
  bytes: Buffer;
  /** The top Via branch we put in (when the mutation kept it), to match the SUT's answer. */
  branch?: string;
}

/** What a case is built from: a fresh base request each time (new branch and Call-ID). */
export type BaseFactory = (method: BaseParams['method']) => { base: RawMessage; branch: string };

type Apply = (m: RawMessage, value: string) => void;

/** The fields an anomaly can go into, and how it is put there. */
const FIELDS: Array<{ name: string; kind: 'int' | 'text' | 'token' | 'uri'; apply: Apply }> = [
  { name: 'method', kind: 'token', apply: (m, v) => (m.startLine = m.startLine.replace(/^\S+/, v)) },
  {
    name: 'request-uri',
    kind: 'uri',
    apply: (m, v) => (m.startLine = m.startLine.replace(/ \S+ SIP\/2\.0$/, ` ${v} SIP/2.0`)),
  },
  { name: 'sip-version', kind: 'token', apply: (m, v) => (m.startLine = m.startLine.replace(/SIP\/2\.0$/, v)) },
  {
    name: 'via-host',
    kind: 'text',
    apply: (m, v) => editHeader(m, 'Via', (x) => x.replace(/^(SIP\/2\.0\/\S+ )[^:;]+/, `$1${v}`)),
  },
  { name: 'via-port', kind: 'int', apply: (m, v) => editHeader(m, 'Via', (x) => x.replace(/:(\d+);/, `:${v};`)) },
  {
    name: 'via-branch',
    kind: 'token',
    apply: (m, v) => editHeader(m, 'Via', (x) => x.replace(/branch=[^;]+/, `branch=${v}`)),
  },
  {
    name: 'via-transport',
    kind: 'token',
    apply: (m, v) => editHeader(m, 'Via', (x) => x.replace(/^SIP\/2\.0\/\S+/, `SIP/2.0/${v}`)),
  },
  {
    name: 'from-display-name',
    kind: 'text',
    apply: (m, v) => editHeader(m, 'From', (x) => x.replace(/^"[^"]*"/, `"${v}"`)),
  },
  { name: 'from-uri', kind: 'uri', apply: (m, v) => editHeader(m, 'From', (x) => x.replace(/<[^>]*>/, `<${v}>`)) },
  { name: 'from-tag', kind: 'token', apply: (m, v) => editHeader(m, 'From', (x) => x.replace(/tag=.*$/, `tag=${v}`)) },
  { name: 'to-uri', kind: 'uri', apply: (m, v) => editHeader(m, 'To', () => `<${v}>`) },
  { name: 'call-id', kind: 'text', apply: (m, v) => setHeader(m, 'Call-ID', v) },
  { name: 'cseq-number', kind: 'int', apply: (m, v) => editHeader(m, 'CSeq', (x) => x.replace(/^\d+/, v)) },
  { name: 'cseq-method', kind: 'token', apply: (m, v) => editHeader(m, 'CSeq', (x) => x.replace(/\S+$/, v)) },
  { name: 'max-forwards', kind: 'int', apply: (m, v) => setHeader(m, 'Max-Forwards', v) },
  { name: 'contact', kind: 'uri', apply: (m, v) => setHeader(m, 'Contact', `<${v}>`) },
  { name: 'expires', kind: 'int', apply: (m, v) => setHeader(m, 'Expires', v) },
  { name: 'content-type', kind: 'token', apply: (m, v) => setHeader(m, 'Content-Type', v) },
  { name: 'unknown-header-value', kind: 'text', apply: (m, v) => m.headers.push(['X-Robustness', v]) },
  { name: 'header-name', kind: 'token', apply: (m, v) => m.headers.push([v, 'value']) },
];

function editHeader(m: RawMessage, name: string, f: (v: string) => string): void {
  const i = headerIndex(m, name);
  if (i >= 0) m.headers[i] = [m.headers[i]![0], f(m.headers[i]![1])];
}

/** Anomalous values, by the kind of field they attack (PROTOS c07-sip groups). */
const ANOMALIES: Record<string, Array<[string, string]>> = {
  overflow: [
    ['overflow-256', 'A'.repeat(256)],
    ['overflow-2k', 'A'.repeat(2048)],
    ['overflow-16k', 'A'.repeat(16384)],
    ['overflow-colons', ':'.repeat(1024)],
  ],
  integer: [
    ['integer-negative', '-1'],
    ['integer-2^31', '2147483648'],
    ['integer-2^32', '4294967296'],
    ['integer-2^64', '18446744073709551616'],
    ['integer-huge', '9'.repeat(200)],
    ['integer-hex', '0x1F'],
    ['integer-float', '1.5e9'],
    ['integer-empty', ''],
    ['integer-leading-zeros', '0'.repeat(300) + '1'],
  ],
  format: [
    ['format-string', '%s%s%s%s%n%n%n%n'],
    ['format-x', '%x'.repeat(64)],
  ],
  quoting: [
    ['quote-unterminated', '"unterminated'],
    ['quote-backslash-end', 'abc\\'],
    ['quote-many', '"'.repeat(129)],
    ['quote-escaped-quote', '\\"\\"\\"'],
  ],
  escape: [
    ['escape-bare-percent', '%'],
    ['escape-bad-hex', '%G1%ZZ'],
    ['escape-truncated', 'abc%4'],
    ['escape-nul', '%00%00'],
  ],
  bytes: [
    ['nul-bytes', 'a\0b\0\0c'],
    ['crlf-injection', 'x\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKinjected'],
    ['bare-cr', 'x\ry'],
    ['bare-lf', 'x\ny'],
    ['high-bit', '\xff\xfe\xc0\x80\xed\xa0\x80'],
    ['special-chars', '<<<>>>;;;,,,@@@'],
    ['empty', ''],
  ],
};

const KIND_GROUPS: Record<string, string[]> = {
  int: ['integer', 'overflow', 'format', 'bytes'],
  text: ['overflow', 'quoting', 'escape', 'format', 'bytes'],
  token: ['overflow', 'escape', 'format', 'bytes', 'quoting'],
  uri: ['overflow', 'escape', 'quoting', 'bytes', 'format'],
};

const METHODS: Array<BaseParams['method']> = ['OPTIONS', 'INVITE', 'REGISTER', 'MESSAGE'];

export interface MutationOptions {
  seed: number;
  /** At most this many cases (the structural ones first, then field × anomaly samples). */
  count: number;
  transport: 'udp' | 'tcp';
}

/** Field × anomaly cases, sampled by the seed, plus every structural case; at most `count`. */
export function generateMutations(make: BaseFactory, opts: MutationOptions): RobustnessCase[] {
  const rng = new Prng(opts.seed);
  const structural = structuralCases(make, opts.transport, rng);
  const pairs: Array<{ field: (typeof FIELDS)[number]; name: string; value: string }> = [];
  for (const field of FIELDS)
    for (const g of KIND_GROUPS[field.kind]!)
      for (const [name, value] of ANOMALIES[g]!) pairs.push({ field, name, value });
  rng.shuffle(pairs);
  const out: RobustnessCase[] = structural.slice(0, opts.count);
  for (const p of pairs) {
    if (out.length >= opts.count) break;
    const method = rng.pick(METHODS);
    const { base, branch } = make(method);
    const m = cloneRaw(base);
    p.field.apply(m, p.value);
    out.push({
      name: `${p.field.name}/${p.name}`,
      description: `${method} with ${describeValue(p.name)} in ${p.field.name}`,
      bytes: serializeRaw(m),
      branch,
    });
  }
  return out;
}

function describeValue(name: string): string {
  return name.replace(/-/g, ' ');
}

type AddCase = (
  name: string,
  description: string,
  method: BaseParams['method'],
  edit: (m: RawMessage) => Buffer | void,
) => void;

/** Structure breakers: headers, Content-Length, size, start line, line endings, NUL bytes (in this order). */
function structuralCases(make: BaseFactory, transport: 'udp' | 'tcp', rng: Prng): RobustnessCase[] {
  const cases: RobustnessCase[] = [];
  const add: AddCase = (name, description, method, edit) => {
    const { base, branch } = make(method);
    const m = cloneRaw(base);
    const bytes = edit(m) ?? serializeRaw(m);
    cases.push({ name, description, bytes, branch });
  };
  headerPresenceCases(add);
  contentLengthCases(add, transport);
  sizeCases(add, transport);
  startLineCases(add);
  byteAndLineCases(add, rng);
  return cases;
}

/** Mandatory headers missing (§8.1.1) or repeated with another value (§7.3.1). */
function headerPresenceCases(add: AddCase): void {
  for (const h of ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards']) {
    add(`missing/${h.toLowerCase()}`, `OPTIONS without ${h} (RFC 3261 §8.1.1)`, 'OPTIONS', (m) => removeHeader(m, h));
  }
  for (const [h, v] of [
    ['From', '<sip:other@192.0.2.9>;tag=dup'],
    ['To', '<sip:other@192.0.2.9>'],
    ['Call-ID', 'duplicate-call-id'],
    ['CSeq', '2 OPTIONS'],
    ['Max-Forwards', '5'],
    ['Content-Length', '7'],
  ] as const) {
    add(
      `duplicate/${h.toLowerCase()}`,
      `OPTIONS with a second, different ${h} (RFC 3261 §7.3.1)`,
      'OPTIONS',
      (m) => void m.headers.splice(1, 0, [h, v]),
    );
  }
}

/** Content-Length lies (RFC 3261 §18.3, §20.14; RFC 4475 §3.1.2.2, §3.1.2.3). */
function contentLengthCases(add: AddCase, transport: 'udp' | 'tcp'): void {
  add(
    'content-length/negative',
    'INVITE with Content-Length: -1 (RFC 4475 §3.1.2.3)',
    'INVITE',
    (m) => void (m.contentLength = '-1'),
  );
  add(
    'content-length/not-a-number',
    'INVITE with Content-Length: abc',
    'INVITE',
    (m) => void (m.contentLength = 'abc'),
  );
  add(
    'content-length/2^64',
    'INVITE with Content-Length: 18446744073709551616',
    'INVITE',
    (m) => void (m.contentLength = '18446744073709551616'),
  );
  add(
    'content-length/too-small',
    'INVITE whose Content-Length is 10 bytes short of its body (RFC 3261 §18.3)',
    'INVITE',
    (m) => void (m.contentLength = String(m.body.length - 10)),
  );
  add(
    'content-length/zero-with-body',
    'INVITE with Content-Length: 0 and an SDP body',
    'INVITE',
    (m) => void (m.contentLength = '0'),
  );
  add(
    'content-length/missing',
    'INVITE with a body and no Content-Length (RFC 3261 §18.3, §20.14)',
    'INVITE',
    (m) => void (m.contentLength = null),
  );
  if (transport === 'udp') {
    add(
      'content-length/too-large',
      'INVITE whose Content-Length is 9999 with a short body (RFC 4475 §3.1.2.2)',
      'INVITE',
      (m) => void (m.contentLength = '9999'),
    );
  }
}

/** Oversized messages: a datagram's worth over UDP, more over TCP; many Vias, many headers. */
function sizeCases(add: AddCase, transport: 'udp' | 'tcp'): void {
  if (transport === 'udp') {
    add(
      'huge/60k-header',
      'OPTIONS with a 60 000-byte header value in one datagram',
      'OPTIONS',
      (m) => void m.headers.push(['X-Huge', 'H'.repeat(60_000)]),
    );
  } else {
    add(
      'huge/200k-header',
      'OPTIONS with a 200 000-byte header value',
      'OPTIONS',
      (m) => void m.headers.push(['X-Huge', 'H'.repeat(200_000)]),
    );
    add(
      'huge/200k-body',
      'MESSAGE with a 200 000-byte body',
      'MESSAGE',
      (m) => void (m.body = Buffer.alloc(200_000, 0x61)),
    );
  }
  add('huge/300-vias', 'OPTIONS with 300 Via header fields', 'OPTIONS', (m) => {
    for (let i = 0; i < 299; i++)
      m.headers.splice(1, 0, ['Via', `SIP/2.0/UDP 192.0.2.${i % 250}:5060;branch=z9hG4bK-many-${i}`]);
  });
  add('huge/2000-headers', 'OPTIONS with 2000 unknown header fields', 'OPTIONS', (m) => {
    for (let i = 0; i < 2000; i++) m.headers.push([`X-H${i}`, String(i)]);
  });
}

/** Broken start lines (RFC 3261 §7.1; RFC 4475 §3.1.2.9, §3.1.2.19). */
function startLineCases(add: AddCase): void {
  add('start-line/method-only', 'a start line with only a method', 'OPTIONS', (m) => void (m.startLine = 'OPTIONS'));
  add(
    'start-line/no-version',
    'a request line without SIP-Version (RFC 3261 §7.1)',
    'OPTIONS',
    (m) => void (m.startLine = m.startLine.replace(/ SIP\/2\.0$/, '')),
  );
  add(
    'start-line/extra-spaces',
    'double spaces in the request line (RFC 4475 §3.1.2.9)',
    'OPTIONS',
    (m) => void (m.startLine = m.startLine.replace(/ /g, '  ')),
  );
  add('start-line/trailing-junk', 'a fourth element after SIP/2.0', 'OPTIONS', (m) => void (m.startLine += ' extra'));
  add(
    'start-line/lowercase',
    'a lower-case method and version',
    'OPTIONS',
    (m) => void (m.startLine = m.startLine.toLowerCase()),
  );
  add(
    'start-line/status-line-garbage',
    'a status line with a 10-digit code (RFC 4475 §3.1.2.19)',
    'OPTIONS',
    (m) => void (m.startLine = 'SIP/2.0 4294967301 Big'),
  );
  add('start-line/empty', 'an empty start line', 'OPTIONS', (m) => void (m.startLine = ''));
  add(
    'start-line/nul',
    'NUL bytes in the request line',
    'OPTIONS',
    (m) => void (m.startLine = m.startLine.replace(' ', '\0 \0')),
  );
}

/** Bytes that are not SIP, cut messages, wrong line endings, malformed header lines and parameters. */
function byteAndLineCases(add: AddCase, rng: Prng): void {
  add('bytes/leading-nul', '64 NUL bytes before the message', 'OPTIONS', (m) =>
    Buffer.concat([Buffer.alloc(64), serializeRaw(m)]),
  );
  add('bytes/random-512', '512 random bytes', 'OPTIONS', () =>
    Buffer.from(Array.from({ length: 512 }, () => rng.int(256))),
  );
  add('bytes/truncated', 'a request cut in the middle of its headers', 'OPTIONS', (m) => {
    const b = serializeRaw(m);
    return b.subarray(0, Math.floor(b.length / 2));
  });
  add('line-ending/lf-only', 'bare LF line endings', 'OPTIONS', (m) => void (m.eol = '\n'));
  add('line-ending/cr-only', 'bare CR line endings', 'OPTIONS', (m) => void (m.eol = '\r'));
  add('header/no-colon', 'a header line without a colon', 'OPTIONS', (m) =>
    Buffer.from(serializeRaw(m).toString('latin1').replace('User-Agent: ', 'User-Agent '), 'latin1'),
  );
  add(
    'header/folding-only',
    'a header continued by a whitespace-only folded line',
    'OPTIONS',
    (m) => void m.headers.push(['Subject', 'a\r\n \r\n \r\n\tb']),
  );
  add(
    'header/space-in-name',
    'a header name with a space before the colon and inside it',
    'OPTIONS',
    (m) => void m.headers.push(['X Bad Name ', 'v']),
  );
  add('via/empty-params', 'Via ;;,;,, and Contact ;;;; (RFC 4475 §3.1.2.1)', 'INVITE', (m) => {
    editHeader(m, 'Via', (x) => `${x};;,;,,`);
    editHeader(m, 'Contact', (x) => `${x};;;;`);
  });
}
