/**
 * Requests a receiver must reject, generated in code after the kinds of RFC 4475 §3.1.2 (syntactically invalid)
 * and §3.3 (well-formed but semantically wrong), each with the answers the RFC allows: a 4xx/5xx (a specific code
 * where the RFC names one) and, for messages broken below the level at which a response can be built, silence.
 * Every case keeps our top Via (so the SUT can answer) and has its own branch to match the answer by.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BaseParams, RawMessage, cloneRaw, removeHeader, serializeRaw, setHeader } from './raw-message';
import type { BaseFactory, RobustnessCase } from './mutations';

export interface RejectCase extends RobustnessCase {
  branch: string;
  rfc: string;
  /** Final statuses that conform; a class like '4xx' allows any of it. */
  allowed: Array<number | '4xx' | '5xx'>;
  /** Whether not answering at all conforms (the RFC allows dropping it). */
  silenceOk: boolean;
  /** Only meaningful on message transports (Content-Length larger than the datagram). */
  udpOnly?: boolean;
}

export function statusAllowed(c: RejectCase, status: number): boolean {
  return c.allowed.some((a) => (typeof a === 'number' ? a === status : Math.floor(status / 100) === Number(a[0])));
}

export function describeAllowed(c: RejectCase): string {
  const codes = c.allowed.map(String).join(' or ');
  return c.silenceOk ? `${codes}, or no answer` : codes;
}

/**
 * The reject cases. OPTIONS is addressed to the SUT itself (it answers as a UAS, §8.2 and §11), so every header
 * named in §8.1.1 is one it processes; a proxy must validate the same fields before forwarding (§16.3 step 1).
 */
export function rejectCases(make: BaseFactory, sutUri: string): RejectCase[] {
  const cases: RejectCase[] = [];
  const add: AddReject = (name, rfc, description, allowed, silenceOk, edit, opts = {}) => {
    const { base, branch } = make(opts.method ?? 'OPTIONS');
    const m = cloneRaw(base);
    m.startLine = m.startLine.replace(/^(\S+) \S+ /, `$1 ${sutUri} `);
    edit(m);
    cases.push({
      name,
      rfc,
      description,
      allowed,
      silenceOk,
      bytes: serializeRaw(m),
      branch,
      ...(opts.udpOnly ? { udpOnly: true } : {}),
    });
  };
  numberRejectCases(add);
  syntaxRejectCases(add);
  semanticRejectCases(add);
  return cases;
}

type AddReject = (
  name: string,
  rfc: string,
  description: string,
  allowed: RejectCase['allowed'],
  silenceOk: boolean,
  edit: (m: RawMessage) => void,
  opts?: { method?: BaseParams['method']; udpOnly?: boolean },
) => void;

const BAD: RejectCase['allowed'] = [400];

/**
 * Syntactically invalid requests (RFC 4475 §3.1.2): 400, or silence where nothing can be answered. First the
 * numbers: Content-Length, CSeq and Max-Forwards out of range.
 */
function numberRejectCases(add: AddReject): void {
  const bad = BAD;
  add(
    'negative-content-length',
    'RFC 4475 §3.1.2.3',
    'Content-Length: -999',
    bad,
    true,
    (m) => void (m.contentLength = '-999'),
  );
  add(
    'content-length-beyond-datagram',
    'RFC 3261 §18.3',
    'Content-Length 9999 over a datagram with a 10-byte body: the SUT SHOULD answer 400',
    bad,
    false,
    (m) => {
      m.body = Buffer.from('0123456789');
      m.contentLength = '9999';
      setHeader(m, 'Content-Type', 'text/plain');
    },
    { udpOnly: true },
  );
  add('cseq-overflow', 'RFC 3261 §8.1.1.5', 'CSeq number 36893488147419103232 (must be < 2**31)', bad, true, (m) =>
    setHeader(m, 'CSeq', '36893488147419103232 OPTIONS'),
  );
  add('cseq-not-a-number', 'RFC 3261 §20.16', 'CSeq: abc OPTIONS', bad, true, (m) =>
    setHeader(m, 'CSeq', 'abc OPTIONS'),
  );
  add('max-forwards-300', 'RFC 4475 §3.1.2.4', 'Max-Forwards: 300 (0-255)', bad, true, (m) =>
    setHeader(m, 'Max-Forwards', '300'),
  );
}

/** Syntactically invalid quoting, Request-URI, request line and CSeq method (RFC 4475 §3.1.2.6 - §3.1.2.18). */
function syntaxRejectCases(add: AddReject): void {
  const bad = BAD;
  add('unbalanced-quote', 'RFC 4475 §3.1.2.6', 'To display name opens a quote that never closes', bad, true, (m) =>
    setHeader(m, 'To', '"Mr. J. User <sip:j.user@192.0.2.7>'),
  );
  add(
    'request-uri-in-brackets',
    'RFC 4475 §3.1.2.7',
    'Request-URI wrapped in <>',
    bad,
    true,
    (m) => void (m.startLine = m.startLine.replace(/ (\S+) SIP/, ' <$1> SIP')),
  );
  add(
    'double-space-request-line',
    'RFC 4475 §3.1.2.9',
    'two spaces between request-line elements',
    bad,
    true,
    (m) => void (m.startLine = m.startLine.replace(/ /g, '  ')),
  );
  add(
    'trailing-space-request-line',
    'RFC 4475 §3.1.2.10',
    'trailing spaces after SIP/2.0',
    bad,
    true,
    (m) => void (m.startLine += '   '),
  );
  add(
    'sip-version-7',
    'RFC 4475 §3.1.2.16',
    'SIP/7.0 on the request line: 505 Version Not Supported (RFC 3261 §21.5.7)',
    [505, 400],
    false,
    (m) => void (m.startLine = m.startLine.replace(/SIP\/2\.0$/, 'SIP/7.0')),
  );
  add('cseq-method-mismatch', 'RFC 4475 §3.1.2.17', 'OPTIONS with CSeq method INVITE', bad, false, (m) =>
    setHeader(m, 'CSeq', '1 INVITE'),
  );
  add(
    'unknown-method-cseq-mismatch',
    'RFC 4475 §3.1.2.18',
    'NEWMETHOD with CSeq method INVITE: 400, not 501',
    bad,
    false,
    (m) => {
      m.startLine = m.startLine.replace(/^\S+/, 'NEWMETHOD');
      setHeader(m, 'CSeq', '1 INVITE');
    },
  );
}

/** Well-formed but semantically wrong requests (RFC 4475 §3.3): the status the RFC names. */
function semanticRejectCases(add: AddReject): void {
  const bad = BAD;
  add(
    'missing-to-from-call-id',
    'RFC 4475 §3.3.1',
    'no To, From or Call-ID (RFC 3261 §8.1.1 makes them mandatory)',
    bad,
    false,
    (m) => {
      removeHeader(m, 'To');
      removeHeader(m, 'From');
      removeHeader(m, 'Call-ID');
    },
  );
  add('missing-cseq', 'RFC 3261 §8.1.1', 'no CSeq', bad, false, (m) => removeHeader(m, 'CSeq'));
  add(
    'duplicate-single-value-headers',
    'RFC 4475 §3.3.8',
    'two different CSeq and two different Call-ID header fields (RFC 3261 §7.3.1)',
    bad,
    false,
    (m) => {
      m.headers.push(['CSeq', '2 OPTIONS'], ['Call-ID', 'second-call-id@192.0.2.1']);
    },
  );
  add('two-content-lengths', 'RFC 4475 §3.3.9', 'two different Content-Length values', bad, true, (m) => {
    m.body = Buffer.from('0123456789');
    setHeader(m, 'Content-Type', 'text/plain');
    m.headers.push(['Content-Length', '4']);
  });
  add(
    'unknown-uri-scheme',
    'RFC 4475 §3.3.2',
    'Request-URI nobodyknowsthisscheme:... : 416 Unsupported URI Scheme (RFC 3261 §8.2.2.1)',
    [416],
    false,
    (m) => void (m.startLine = m.startLine.replace(/ \S+ SIP/, ' nobodyknowsthisscheme:totallyopaquecontent SIP')),
  );
  add(
    'require-unknown-extension',
    'RFC 4475 §3.3.5',
    'Require: nonexistentextension: 420 Bad Extension (RFC 3261 §8.2.2.3)',
    [420],
    false,
    (m) => m.headers.push(['Require', 'nonexistentextension']),
  );
}

export interface CorpusMessage {
  name: string;
  source: string;
  bytes: Buffer;
  expected: string;
}

/** Where the shared torture corpus lives (SIPCONF_CORPUS, else ../shared/corpus beside the repository). */
export function corpusDir(): string {
  return process.env.SIPCONF_CORPUS ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'corpus');
}

/**
 * The RFC 4475 / RFC 5118 messages of the shared corpus, when present (extra input only: a clone without it still
 * runs the generated cases). Their Vias name documentation addresses, so the SUT's answers go nowhere: they serve
 * the liveness checks, not the reject check.
 */
export function corpusMessages(dir = corpusDir()): CorpusMessage[] {
  const out: CorpusMessage[] = [];
  for (const set of ['rfc4475', 'rfc5118']) {
    const d = path.join(dir, set);
    const manifest = path.join(d, 'MANIFEST.tsv');
    if (!existsSync(manifest)) continue;
    const expected = new Map<string, string>();
    for (const line of readFileSync(manifest, 'utf8').split('\n').slice(1)) {
      const [name, , exp] = line.split('\t');
      if (name && exp) expected.set(name, exp);
    }
    for (const f of readdirSync(d).sort()) {
      if (!f.endsWith('.sip')) continue;
      const name = f.slice(0, -4);
      out.push({
        name: `${set}/${name}`,
        source: path.join(d, f),
        bytes: readFileSync(path.join(d, f)),
        expected: expected.get(name) ?? 'unknown',
      });
    }
  }
  return out;
}
