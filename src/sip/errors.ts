/** A message or header value that does not match the RFC 3261 grammar. */
export class SipSyntaxError extends Error {
  constructor(
    message: string,
    /** 1-based line of the message at fault, when known. */
    public line?: number,
  ) {
    super(message);
    this.name = 'SipSyntaxError';
  }
}

export interface Diagnostic {
  message: string;
  line?: number;
  kind: 'syntax' | 'semantic';
}

/** `s` shortened to `n` characters (and an ellipsis) for quoting in a diagnostic. */
export function clip(s: string, n = 60): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
