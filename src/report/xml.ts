/** XML text helpers for the SVG ladder: everything that goes into markup passes through escapeXml. */

// Characters XML 1.0 forbids (§2.2 Char): C0 controls other than TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF.
const INVALID_XML_CHARS =
  // eslint-disable-next-line no-control-regex -- XML 1.0 §2.2 excludes exactly these control characters
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for element content and attribute values; characters XML cannot carry become U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
