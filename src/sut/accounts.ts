/**
 * A PBX's accounts as a SUT profile gives them: extension 1001 may register only its own AOR, with its own secret.
 * The pool comes from the profile's `accounts:` list or from `accountsCsv:`, a file in the shape of SIPp's `-inf`
 * injection files: a first line naming the order (SEQUENTIAL, RANDOM or USER; the harness leases accounts in its
 * own order, so it is read and ignored), then one account per line, fields separated by `;`:
 *
 *   SEQUENTIAL
 *   1001;secret1001
 *   1002;secret1002;auth-1002;sip:1002@pbx.example
 *
 * Fields: user; password; authUser (digest username, default user); aor (default sip:user@domain). Blank lines
 * and lines starting with `#` or `//` are skipped. Every error names file:line.
 */
import { readFileSync } from 'node:fs';
import type { SutAccount } from '../agent/account';

export interface CsvIssue {
  file: string;
  line: number;
  message: string;
}

const ORDER_LINE = /^(SEQUENTIAL|RANDOM|USER)(\s*,.*)?$/;

/** Parses SIPp -inf style text into accounts; `issues` collects problems with their line numbers. */
export function parseAccountsCsv(text: string, file: string, issues: CsvIssue[]): SutAccount[] {
  const out: SutAccount[] = [];
  const lines = text.split(/\r?\n/);
  let sawOrder = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const at = i + 1;
    if (line === '' || line.startsWith('#') || line.startsWith('//')) return;
    if (!sawOrder) {
      sawOrder = true;
      if (ORDER_LINE.test(line)) return;
      issues.push({
        file,
        line: at,
        message: `the first line must be SEQUENTIAL, RANDOM or USER (SIPp -inf), not "${line}"`,
      });
      return;
    }
    const [user, password, authUser, aor, ...rest] = line.split(';').map((f) => f.trim());
    if (rest.length > 0) {
      issues.push({ file, line: at, message: 'too many fields: user;password;authUser;aor at most' });
      return;
    }
    if (!user || password === undefined || password === '') {
      issues.push({ file, line: at, message: 'an account line is user;password[;authUser[;aor]]' });
      return;
    }
    if (aor && !/^sips?:[^@\s]+@\S+$/.test(aor)) {
      issues.push({ file, line: at, message: `aor "${aor}" is not a sip: or sips: URI with a user part` });
      return;
    }
    if (out.some((a) => a.user === user)) {
      issues.push({ file, line: at, message: `account ${user} is listed twice` });
      return;
    }
    out.push({ user, password, ...(authUser ? { authUser } : {}), ...(aor ? { aor } : {}) });
  });
  if (!sawOrder) issues.push({ file, line: 1, message: 'the accounts file is empty' });
  return out;
}

/** Reads an accounts CSV file; an unreadable file is one issue at line 1. */
export function readAccountsCsv(file: string, issues: CsvIssue[]): SutAccount[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    issues.push({ file, line: 1, message: `cannot read accounts file: ${(e as NodeJS.ErrnoException).code ?? e}` });
    return [];
  }
  return parseAccountsCsv(text, file, issues);
}

/** The first account whose user is listed earlier too: two checks would share it without knowing it. */
export function duplicateUsers(accounts: SutAccount[]): { user: string; index: number } | undefined {
  const seen = new Set<string>();
  for (const [index, a] of accounts.entries()) {
    if (seen.has(a.user)) return { user: a.user, index };
    seen.add(a.user);
  }
  return undefined;
}
