/**
 * Start lines (RFC 3261 §7.1 Request-Line, §7.2 Status-Line, ABNF §25.1): a one-scan fast path for the usual
 * spellings, and the general path that gives the verdict and the diagnostic.
 */
import { SipSyntaxError, clip } from './errors';
import { TOKEN_CHARS, isToken } from './lex';
import { SipMessage, SipRequest, SipResponse } from './message';

// Module-local bindings (see parser.ts): indexed or constructed per parse on the hot path.
const TOKEN = TOKEN_CHARS;
const SipRequestClass = SipRequest;
const SipResponseClass = SipResponse;

/**
 * The usual start lines in one scan: `METHOD SP Request-URI SP SIP/2.0` and `SIP/2.0 SP 3DIGIT SP Reason-Phrase`,
 * single spaces (§25.1). undefined for anything else: parseStartLine's general path then decides and explains.
 */
function parsePlainStartLine(text: string): SipMessage | undefined {
  const len = text.length;
  if (text.startsWith('SIP/2.0 ')) {
    if (len < 12 || text.charCodeAt(11) !== 32) return undefined;
    const d0 = text.charCodeAt(8) - 48;
    const d1 = text.charCodeAt(9) - 48;
    const d2 = text.charCodeAt(10) - 48;
    if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
    // Reason-Phrase: anything but CR/LF; a leading SP/HTAB reads differently in lenient mode, so leave it to the
    // general path, as line separators the regular expressions there treat as line ends.
    const first = text.charCodeAt(12);
    if (first === 32 || first === 9) return undefined;
    for (let i = 12; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return undefined;
    }
    return new SipResponseClass(d0 * 100 + d1 * 10 + d2, text.slice(12));
  }
  let i = 0;
  while (i < len && TOKEN[text.charCodeAt(i)] === 1) i++;
  if (i === 0 || i >= len || text.charCodeAt(i) !== 32) return undefined;
  const uriStart = i + 1;
  i = uriStart;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 60 || c >= 127) break;
    i++;
  }
  if (i === uriStart || i !== len - 8 || text.charCodeAt(i) !== 32 || !text.endsWith('SIP/2.0')) return undefined;
  return new SipRequestClass(text.slice(0, uriStart - 1), text.slice(uriStart, i));
}

export function parseStartLine(text: string, strict: boolean): SipMessage {
  const plain = parsePlainStartLine(text);
  if (plain !== undefined) return plain;
  if (text.startsWith('SIP/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const m = strict
      ? /^(SIP\/[0-9]+\.[0-9]+) ([0-9]+) (.*)$/.exec(text)
      : /^(SIP\/[0-9]+\.[0-9]+)[ \t]+([0-9]+)(?:[ \t]+(.*))?$/.exec(text);
    if (!m) throw new SipSyntaxError(`bad status line "${clip(text)}"`);
    if (m[2]!.length !== 3) throw new SipSyntaxError(`status code "${clip(m[2]!)}" is not three digits`);
    const status = Number(m[2]);
    if (status < 100) throw new SipSyntaxError(`status code ${status} is below 100`);
    checkVersion(m[1]!);
    const r = new SipResponseClass(status, m[3] ?? '');
    r.version = m[1]!;
    return r;
  }
  // Request-Line = Method SP Request-URI SP SIP-Version, single spaces (§25.1).
  const parts = strict ? text.split(' ') : text.trim().split(/[ \t]+/);
  if (parts.length !== 3) {
    if (strict && (text.endsWith(' ') || text.endsWith('\t')))
      throw new SipSyntaxError(`trailing whitespace after the SIP-Version on the request line "${clip(text)}" (§25.1)`);
    if (strict && / {2}|\t/.test(text))
      throw new SipSyntaxError(
        `request line "${clip(text)}" must separate its three elements by single spaces (§25.1)`,
      );
    if (parts.length > 3 && /^SIP\/[0-9]/i.test(parts[parts.length - 1]!)) {
      throw new SipSyntaxError(
        `whitespace inside the Request-URI "${clip(parts.slice(1, -1).join(' '))}" (§25.1: the Request-URI has no LWS)`,
      );
    }
    throw new SipSyntaxError(`bad request line "${clip(text)}": expected "METHOD Request-URI SIP/2.0"`);
  }
  const [method, uri, version] = parts as [string, string, string];
  if (!isToken(method)) throw new SipSyntaxError(`bad method "${clip(method)}"`);
  if (!/^SIP\/[0-9]+\.[0-9]+$/.test(version))
    throw new SipSyntaxError(`bad SIP version "${clip(version)}" on the request line`);
  checkVersion(version);
  if (uri.startsWith('<')) throw new SipSyntaxError(`Request-URI "${clip(uri)}" must not be enclosed in <> (§25.1)`);
  const r = new SipRequestClass(method, uri);
  r.version = version;
  return r;
}

function checkVersion(v: string): void {
  if (v.toUpperCase() !== 'SIP/2.0') throw new SipSyntaxError(`unsupported SIP version "${v}" (505)`);
}
