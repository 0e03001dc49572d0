/**
 * Generic parameters (RFC 3261 §25.1 generic-param, uri-parameter): ordered, case-insensitive, parsed eagerly or
 * read lazily from text a fast path has already checked.
 */
import { SipSyntaxError } from './errors';
import { lowerAscii, readQuoted, skipWsTo } from './lex';

/** Characters that end a parameter name (`=`, `;`, LWS) and a parameter value (`;`, LWS): one table read per char. */
const NAME_STOP = new Uint8Array(128);
const VALUE_STOP = new Uint8Array(128);
for (const c of [59, 32, 9, 13, 10]) NAME_STOP[c] = VALUE_STOP[c] = 1;
NAME_STOP[61] = 1;

/** Ordered, case-insensitive parameters. A parameter without `=` has the value `null`. */
export class Params {
  // One flat array of (name, lower-case name, value) triples, created on the first parameter: most URIs and
  // name-addrs carry none, and one array per parameter list keeps parsed messages small.
  private items: Array<string | null> | undefined = undefined;
  // Or, until first read, the text they were validated in: `;name[=value]...` in src[from, to) (see lazy()).
  private src: string | undefined = undefined;
  private from = 0;
  private to = 0;

  /**
   * Parameters read from src[from, to) on first use. Only for text a fast path has already checked to be plain
   * `;name[=value]` pairs (names and values free of ';', '=', quotes and whitespace): most parameters of a message
   * that passes through a proxy (received, rport, lr, transport ...) are never read, so they are never sliced.
   */
  static lazy(src: string, from: number, to: number): Params {
    const p = new Params();
    if (to > from) {
      p.src = src;
      p.from = from;
      p.to = to;
    }
    return p;
  }

  /** get() on parameters not split yet: finds the first `;name` (ASCII case ignored) in place, slicing only its value. */
  private lazyGet(name: string): string | null | undefined {
    const s = this.src!;
    const to = this.to;
    const n = name.length;
    let i = this.from;
    while (i < to) {
      const nameStart = i + 1;
      let end = s.indexOf(';', nameStart);
      if (end < 0 || end > to) end = to;
      let k = 0;
      while (k < n) {
        const a = s.charCodeAt(nameStart + k);
        const b = name.charCodeAt(k);
        // Equal, or the same ASCII letter in another case.
        if (a !== b && !((a | 32) === (b | 32) && (a | 32) >= 97 && (a | 32) <= 122)) break;
        k++;
      }
      const after = nameStart + n;
      if (k === n && (after === end || s.charCodeAt(after) === 61))
        return after === end ? null : s.slice(after + 1, end);
      i = end;
    }
    return undefined;
  }

  private materialize(): void {
    const s = this.src!;
    const to = this.to;
    this.src = undefined;
    let i = this.from;
    while (i < to) {
      // s[i] is ';'
      const nameStart = ++i;
      let eq = -1;
      while (i < to) {
        const c = s.charCodeAt(i);
        if (c === 59) break;
        if (c === 61 && eq < 0) eq = i;
        i++;
      }
      if (eq < 0) this.push(s.slice(nameStart, i), null);
      else this.push(s.slice(nameStart, eq), s.slice(eq + 1, i));
    }
  }

  private add(name: string, lowerName: string, value: string | null): void {
    if (this.items === undefined) this.items = [name, lowerName, value];
    else this.items.push(name, lowerName, value);
  }

  /** Appends a parameter as parsed, without looking for an existing one of the same name (for parsers). */
  push(name: string, value: string | null): void {
    if (this.src !== undefined) this.materialize();
    this.add(name, lowerAscii(name), value);
  }

  static parse(s: string, opts?: { quotedValues?: boolean }): Params {
    return Params.parseRange(s, 0, s.length, opts?.quotedValues ?? true);
  }

  /**
   * Parses s[from, to), the text after the first ';' (or empty), without slicing it out first. Parameters are
   * `;name[=value]`, the value a token, host or (when quotedValues) a quoted-string.
   */
  static parseRange(s: string, from: number, to: number, quotedValues: boolean): Params {
    const p = new Params();
    const len = to;
    let i = skipWsTo(s, from, len);
    if (i >= len) return p;
    for (;;) {
      i = skipWsTo(s, i, len);
      let j = i;
      while (j < len) {
        const c = s.charCodeAt(j);
        if (c < 128 && NAME_STOP[c] === 1) break;
        j++;
      }
      if (j === i) throw new SipSyntaxError(`empty parameter name in ";${s.slice(from, to)}"`);
      const name = s.slice(i, j);
      j = skipWsTo(s, j, len);
      let value: string | null = null;
      if (j < len && s.charCodeAt(j) === 61) {
        j = skipWsTo(s, j + 1, len);
        if (quotedValues && j < len && s.charCodeAt(j) === 34) {
          const q = readQuoted(from === 0 && to === s.length ? s : s.slice(0, to), j);
          value = '"' + q.value + '"';
          j = q.end;
        } else {
          let k = j;
          while (k < len) {
            const c = s.charCodeAt(k);
            if (c < 128 && VALUE_STOP[c] === 1) break;
            k++;
          }
          value = s.slice(j, k);
          j = k;
        }
        j = skipWsTo(s, j, len);
      }
      p.add(name, lowerAscii(name), value);
      if (j >= len) break;
      if (s.charCodeAt(j) !== 59)
        throw new SipSyntaxError(`unexpected "${s.slice(j, Math.min(j + 10, len))}" in parameters`);
      i = j + 1;
      if (i >= len) throw new SipSyntaxError('empty parameter after ";"');
    }
    return p;
  }

  /** Index of the triple whose lower-case name is `name` (or its lower-case form), or -1. */
  private indexOf(name: string): number {
    if (this.src !== undefined) this.materialize();
    const items = this.items;
    if (items === undefined) return -1;
    for (let i = 1; i < items.length; i += 3) if (items[i] === name) return i - 1;
    const key = lowerAscii(name);
    if (key === name) return -1;
    for (let i = 1; i < items.length; i += 3) if (items[i] === key) return i - 1;
    return -1;
  }

  get(name: string): string | null | undefined {
    if (this.src !== undefined) return this.lazyGet(name);
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.items![i + 2];
  }

  /** The value with surrounding quotes removed, for quoted parameters such as `+sip.instance`. */
  getUnquoted(name: string): string | null | undefined {
    const v = this.get(name);
    if (v && v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
    return v;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  set(name: string, value: string | null): this {
    const idx = this.indexOf(name);
    if (idx >= 0) this.items![idx + 2] = value;
    else this.add(name, lowerAscii(name), value);
    return this;
  }

  delete(name: string): this {
    if (this.src !== undefined) this.materialize();
    const key = lowerAscii(name);
    const items = this.items;
    if (items === undefined) return this;
    for (let i = items.length - 3; i >= 0; i -= 3) if (items[i + 1] === key) items.splice(i, 3);
    if (items.length === 0) this.items = undefined;
    return this;
  }

  /** Calls fn for each parameter in order (no copies). */
  forEach(fn: (name: string, value: string | null) => void): void {
    if (this.src !== undefined) this.materialize();
    const items = this.items;
    if (items === undefined) return;
    for (let i = 0; i < items.length; i += 3) fn(items[i]!, items[i + 2]!);
  }

  names(): string[] {
    if (this.src !== undefined) this.materialize();
    const out: string[] = [];
    const items = this.items;
    if (items !== undefined) for (let i = 0; i < items.length; i += 3) out.push(items[i]!);
    return out;
  }

  get size(): number {
    if (this.src !== undefined) this.materialize();
    return this.items === undefined ? 0 : this.items.length / 3;
  }

  clone(): Params {
    if (this.src !== undefined) return Params.lazy(this.src, this.from, this.to);
    const p = new Params();
    if (this.items !== undefined) p.items = this.items.slice();
    return p;
  }

  toString(): string {
    // Unread plain parameters print as they were received (materialize() would rebuild the same text).
    if (this.src !== undefined) return this.src.slice(this.from, this.to);
    let out = '';
    const items = this.items;
    if (items === undefined) return out;
    for (let i = 0; i < items.length; i += 3) {
      const v = items[i + 2];
      out += v === null ? ';' + items[i] : ';' + items[i] + '=' + v;
    }
    return out;
  }
}
