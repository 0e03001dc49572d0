/**
 * A strict XML 1.0 well-formedness check for the tests (no dependency): balanced tags, quoted attributes without
 * duplicates, only the five predefined entities and character references, no characters XML forbids, one root.
 * Returns a tiny element tree so tests can query what was drawn. Throws with the offset of the first fault.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated, entity-decoded text directly inside this element. */
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
// eslint-disable-next-line no-control-regex -- the characters XML 1.0 §2.2 forbids are control characters
const BAD_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(s: string, at: number): string {
  return s.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`bare & at ${at}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (body in named) return named[body];
    const num = /^#(\d+)$/.exec(body) ?? /^#x([0-9a-fA-F]+)$/.exec(body);
    if (num) return String.fromCodePoint(parseInt(num[1], body.startsWith('#x') ? 16 : 10));
    throw new Error(`unknown entity &${body}; at ${at}`);
  });
}

export function parseXmlStrict(xml: string): XmlElement {
  if (BAD_CHAR.test(xml)) throw new Error(`character not allowed in XML at ${xml.search(BAD_CHAR)}`);
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const ws = () => {
    while (i < xml.length && /\s/.test(xml[i])) i++;
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  while (i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) throw new Error(`unterminated comment at ${i}`);
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      const m = NAME.exec(xml.slice(i + 2));
      if (!m) throw new Error(`bad end tag at ${i}`);
      const top = stack.pop();
      if (!top || top.name !== m[0])
        throw new Error(`end tag </${m[0]}> at ${i} does not match <${top?.name ?? '(none)'}>`);
      i += 2 + m[0].length;
      ws();
      if (xml[i] !== '>') throw new Error(`bad end tag at ${i}`);
      i++;
    } else if (xml[i] === '<') {
      const m = NAME.exec(xml.slice(i + 1));
      if (!m) throw new Error(`bad start tag at ${i}`);
      if (stack.length === 0 && root) throw new Error(`second root element at ${i}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else root = el;
      i += 1 + m[0].length;
      for (;;) {
        const before = i;
        ws();
        if (xml.startsWith('/>', i)) {
          i += 2;
          break;
        }
        if (xml[i] === '>') {
          i++;
          stack.push(el);
          break;
        }
        if (i === before) throw new Error(`expected whitespace before attribute at ${i}`);
        const an = NAME.exec(xml.slice(i));
        if (!an) throw new Error(`bad attribute name at ${i}`);
        i += an[0].length;
        ws();
        if (xml[i] !== '=') throw new Error(`expected = at ${i}`);
        i++;
        ws();
        const q = xml[i];
        if (q !== '"' && q !== "'") throw new Error(`unquoted attribute value at ${i}`);
        const end = xml.indexOf(q, i + 1);
        if (end < 0) throw new Error(`unterminated attribute value at ${i}`);
        const raw = xml.slice(i + 1, end);
        if (raw.includes('<')) throw new Error(`< in attribute value at ${i}`);
        if (an[0] in el.attrs) throw new Error(`duplicate attribute ${an[0]} at ${i}`);
        el.attrs[an[0]] = decode(raw, i);
        i = end + 1;
      }
    } else {
      const next = xml.indexOf('<', i);
      const end = next < 0 ? xml.length : next;
      const raw = xml.slice(i, end);
      if (stack.length === 0) {
        if (raw.trim() !== '') throw new Error(`text outside the root element at ${i}`);
      } else {
        if (raw.includes(']]>')) throw new Error(`]]> in text at ${i}`);
        stack[stack.length - 1].text += decode(raw, i);
      }
      i = end;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

export function findAll(el: XmlElement, pred: (e: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(el)) out.push(el);
  for (const c of el.children) findAll(c, pred, out);
  return out;
}

export const hasClass = (cls: string) => (e: XmlElement) => (e.attrs.class ?? '').split(/\s+/).includes(cls);
