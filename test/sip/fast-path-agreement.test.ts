/**
 * The strict parser's byte fast paths (plain SIP URI, Via, name-addr, Route list) must never accept what the general
 * parsers reject, and must read what they accept exactly as the general parsers do (RFC 3261 §19.1.1 SIP URI,
 * §20.42 Via, §20.10 name-addr, §20.30/§20.34 Route lists; ABNF §25.1). fast-check builds values from the grammar's
 * pieces with wrong characters mixed in, places them inside padded bytes as the parser sees them in a datagram,
 * and compares the two paths. A fast path may decline (undefined) whatever it likes: the general path then decides.
 */
import fc from 'fast-check';
import {
  NameAddr,
  Via,
  parseNameAddr,
  parsePlainNameAddrAt,
  parsePlainNameAddrListAt,
  parsePlainViaAt,
  parseViaGeneral,
} from '../../src/sip/fields';
import { splitTopLevel } from '../../src/sip/lex';
import { parsePlainSipUriAt, parseUriGeneral, type Uri } from '../../src/sip/uri';

const PAD = 5;
/** The value inside a larger datagram: PAD bytes before it and a CRLF after it, as in a header section. */
const place = (text: string) =>
  Buffer.concat([Buffer.from('X: \r\n'), Buffer.from(text, 'latin1'), Buffer.from('\r\nY')]);

/** Strings over `chars`, mostly the grammar's own characters, some that it forbids. */
const from = (chars: string, maxLength = 12) =>
  fc.array(fc.constantFrom(...chars.split('')), { maxLength }).map((a) => a.join(''));
/** Mostly a well-formed piece (so the fast path is reached), sometimes one with wrong characters mixed in. */
const mostly = <T>(good: fc.Arbitrary<T>, noisy: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: noisy, weight: 1 });
const nonEmpty = (chars: string, maxLength: number) =>
  fc.array(fc.constantFrom(...chars.split('')), { minLength: 1, maxLength }).map((a) => a.join(''));
const LABEL = mostly(
  fc.tuple(nonEmpty('abcxyzAZ', 1), from('abz09-', 5), nonEmpty('a09', 1)).map(([a, b, c]) => a + b + c),
  nonEmpty('abz09-', 4),
);
const OCTET = mostly(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom('256', '0255', '', '1a'));
const HOSTISH = mostly(
  fc.oneof(
    fc.array(LABEL, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.')),
    mostly(fc.array(OCTET, { minLength: 4, maxLength: 4 }), fc.array(OCTET, { minLength: 3, maxLength: 5 })).map((ns) =>
      ns.join('.'),
    ),
  ),
  from('abcxyzAZ0129.-.-:[]é', 14),
);
const USERISH = mostly(nonEmpty("alice09-_.!~*'()&=+$,;?/", 10), from('alice09-_.!~*\'()&=+$,;?/%:@ <"é', 10));
const PARAMISH = fc
  .array(
    fc.tuple(
      mostly(nonEmpty('lrtansport', 8), from('lrtansport=xX09-[]/:&+$%";, é', 8)),
      fc.option(mostly(nonEmpty('udptcp09x-.', 6), from('xX09-[]/:&+$%";=, é', 6)), { nil: undefined }),
    ),
    { maxLength: 3 },
  )
  .map((ps) => ps.map(([n, v]) => ';' + n + (v === undefined ? '' : '=' + v)).join(''));
const PORTISH = mostly(
  fc.oneof(
    fc.constant(''),
    fc.integer({ min: 0, max: 65535 }).map((n) => ':' + n),
  ),
  fc.constantFrom(':', ':0x1', ':65536', ':000001'),
);
const URI = fc
  .tuple(
    mostly(fc.constantFrom('sip', 'sips'), fc.constantFrom('SIP', 'sipx', 'tel', 's')),
    fc.option(USERISH, { nil: undefined }),
    HOSTISH,
    PORTISH,
    PARAMISH,
    mostly(fc.constant(''), fc.constantFrom('?h=1', ' ', '>', '@')),
  )
  .map(
    ([scheme, user, host, port, params, tail]) =>
      `${scheme}:${user === undefined ? '' : user + '@'}${host}${port}${params}${tail}`,
  );

/** Every parameter as [name, value], in order: what both paths must agree on. */
function entries(p: {
  forEach(fn: (name: string, value: string | null) => void): void;
}): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  p.forEach((n, v) => out.push([n, v]));
  return out;
}

function uriView(u: Uri) {
  return u.kind === 'sip'
    ? { s: u.toString(), scheme: u.scheme, user: u.user, host: u.host, port: u.port, params: entries(u.params) }
    : { s: u.toString() };
}

const RUNS = { numRuns: 4000, seed: 3261 };

/**
 * For every generated value the fast path accepts, the general path must accept it too and give the same view.
 * At least 200 of the 4,000 values must reach the fast path, so the property is not vacuous.
 */
function agree<V>(
  values: fc.Arbitrary<string>,
  fast: (b: Buffer, text: string) => V | undefined,
  slow: (text: string) => V,
  view: (v: V) => unknown,
): void {
  let accepted = 0;
  fc.assert(
    fc.property(values, (text) => {
      const f = fast(place(text), text);
      if (f === undefined) return;
      accepted++;
      let s: V | Error;
      try {
        s = slow(text);
      } catch (e) {
        s = e as Error;
      }
      expect(s).not.toBeInstanceOf(Error);
      expect(view(f)).toEqual(view(s as V));
    }),
    RUNS,
  );
  expect(accepted).toBeGreaterThan(200);
}

const nameAddrView = (n: NameAddr) => [n.displayName, uriView(n.uri), entries(n.params)];

test('plain SIP URI (§19.1.1): accepted only when the general parser accepts, and read alike', () => {
  agree(
    URI,
    (b, text) => parsePlainSipUriAt(b, text, PAD, PAD, PAD + text.length),
    (text) => parseUriGeneral(text, true),
    uriView,
  );
});

test('plain Via (§20.42): accepted only when the general parser accepts, and read alike', () => {
  const VIA = fc
    .tuple(
      fc.constantFrom('UDP', 'TCP', 'tls', 'WS', 'U D'),
      fc.constantFrom(' ', ' ', ' ', ' ', '  ', '\t'),
      HOSTISH,
      PORTISH,
      fc.array(
        fc.tuple(
          fc.constantFrom('branch', 'received', 'rport', 'ttl', 'maddr', 'x', 'Branch', 'RPORT'),
          fc.option(from('z9hG4bK0123456789.abc-', 16), { nil: undefined, freq: 3 }),
        ),
        { maxLength: 4 },
      ),
    )
    .map(
      ([t, sp, host, port, ps]) =>
        `SIP/2.0/${t}${sp}${host}${port}${ps.map(([n, v]) => ';' + n + (v === undefined ? '' : '=' + v)).join('')}`,
    );
  agree(
    VIA,
    (b, text) => parsePlainViaAt(b, text, PAD, PAD, PAD + text.length, true),
    (text) => parseViaGeneral(text, true),
    (v: Via) => [v.transport, v.host, v.port, v.branch, v.received, v.rport, v.ttl, v.params.toString()],
  );
});

const DISPLAY = fc.constantFrom(
  '',
  '',
  '',
  'Bob ',
  'Bob',
  '"Alice Liddell" ',
  '"A"',
  '"a\\"b" ',
  'Two  Spaces ',
  'é ',
  '"é" ',
  'x,y ',
  '"" ',
);
const NAME_ADDR = fc.tuple(DISPLAY, URI, PARAMISH).map(([dn, uri, ps]) => `${dn}<${uri}>${ps}`);

test('plain name-addr (§20.10): accepted only when parseNameAddr accepts, and read alike', () => {
  agree(
    NAME_ADDR,
    (b, text) => parsePlainNameAddrAt(b, text, PAD, PAD, PAD + text.length),
    (text) => parseNameAddr(text, true),
    nameAddrView,
  );
});

test('plain Route list (§20.34): accepted only when every element parses as a name-addr, and read alike', () => {
  const LIST = fc
    .array(fc.tuple(NAME_ADDR, fc.constantFrom(', ', ', ', ',', ' , ', ',,', ' ', ',\t')), {
      minLength: 1,
      maxLength: 3,
    })
    .map((xs) => xs.map(([na, sep], i) => (i < xs.length - 1 ? na + sep : na)).join(''));
  const splitAndParse = (text: string) =>
    splitTopLevel(text).map((p) => {
      if (p === '') throw new Error('empty element');
      return parseNameAddr(p, true);
    });
  agree(
    LIST,
    (b, text) => parsePlainNameAddrListAt(b, text, PAD, PAD, PAD + text.length),
    splitAndParse,
    (ns) => ns.map(nameAddrView),
  );
});
