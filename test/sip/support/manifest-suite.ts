/**
 * Runs a folder of raw SIP messages described by a MANIFEST.tsv (name, rfc_section, expected, reason) through the
 * parser in both modes and through lint, with per-message expectations:
 * - valid: strict parse without errors, lint valid, and `values` (a function reading fields) passes;
 * - invalid: strict parse reports errors, one of which matches every regexp in `faults`; lenient parse never throws;
 * - valid-but-semantic-error: strict parse without errors, lint names every regexp in `faults` (error or warning).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lint } from '../../../src/sip/lint';
import { SipMessage } from '../../../src/sip/message';
import { parse } from '../../../src/sip/parser';

export interface ManifestEntry {
  name: string;
  section: string;
  expected: 'valid' | 'invalid' | 'valid-but-semantic-error';
  reason: string;
}

export interface Expectation {
  /** Regexps that must each match one diagnostic (syntax errors for invalid, lint findings for semantic). */
  faults?: RegExp[];
  /** Assertions on the parsed message (valid and semantic messages). */
  values?: (m: SipMessage) => void;
}

export function readManifest(dir: string): ManifestEntry[] {
  const text = readFileSync(join(dir, 'MANIFEST.tsv'), 'utf8');
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  const header = rows.shift()!.split('\t');
  if (header[0] !== 'name' || header[2] !== 'expected')
    throw new Error(`${dir}/MANIFEST.tsv: unexpected header ${header.join(',')}`);
  return rows.map((r, i) => {
    const [name, section, expected, reason] = r.split('\t');
    if (!name || (expected !== 'valid' && expected !== 'invalid' && expected !== 'valid-but-semantic-error')) {
      throw new Error(`${dir}/MANIFEST.tsv:${i + 2}: bad row "${r}"`);
    }
    return { name, section: section ?? '', expected, reason: reason ?? '' };
  });
}

export function manifestSuite(dir: string, expectations: Record<string, Expectation>): void {
  const entries = readManifest(dir);
  test(`${dir}: every message in MANIFEST.tsv has its expectation, and every expectation its message`, () => {
    expect(entries.length).toBeGreaterThan(0);
    const names = entries.map((e) => e.name).sort();
    expect(Object.keys(expectations).sort()).toEqual(names);
  });
  for (const e of entries) {
    const exp = expectations[e.name] ?? {};
    test(`${e.name} (§${e.section}) is ${e.expected}: ${e.reason}`, () => {
      const bytes = readFileSync(join(dir, `${e.name}.sip`));
      const strict = parse(bytes, { mode: 'strict' });
      const lenient = parse(bytes, { mode: 'lenient' });
      expect(Array.isArray(lenient.errors)).toBe(true);
      const lintResult = lint(bytes);
      if (e.expected === 'invalid') {
        expect(strict.errors.length).toBeGreaterThan(0);
        expect(lintResult.valid).toBe(false);
        const messages = strict.errors.map((d) => d.message);
        for (const f of exp.faults ?? []) expect(messages.some((m) => f.test(m)) ? f : messages).toBe(f);
        expect(exp.faults?.length ?? 0).toBeGreaterThan(0);
        return;
      }
      expect(strict.errors).toEqual([]);
      expect(strict.message).toBeDefined();
      expect(lenient.errors).toEqual([]);
      if (e.expected === 'valid') {
        expect(lintResult.errors).toEqual([]);
        expect(lintResult.valid).toBe(true);
      } else {
        const findings = [...lintResult.errors, ...lintResult.warnings].map((d) => d.message);
        expect(exp.faults?.length ?? 0).toBeGreaterThan(0);
        for (const f of exp.faults ?? []) expect(findings.some((m) => f.test(m)) ? f : findings).toBe(f);
      }
      exp.values?.(strict.message!);
    });
  }
}
