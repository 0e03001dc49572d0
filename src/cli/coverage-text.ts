/** `sipconf list --coverage` as text: per RFC the cited sections and their checks, per ETSI group the share. */
import type { Coverage } from '../scenario/etsi/coverage';

const pct = (share: number): string => `${(share * 100).toFixed(1)} %`;

export function renderCoverage(cov: Coverage): string {
  const out: string[] = ['RFC sections cited by the checks'];
  for (const r of cov.rfc) {
    const t = r.etsiTested;
    out.push(
      t
        ? `\nRFC ${r.rfc}: ${r.sections.length} sections cited; ${t.covered} of the ${t.sections} sections ETSI TS 102 027-2 tests (${pct(t.share)})`
        : `\nRFC ${r.rfc}: ${r.sections.length} sections cited`,
    );
    const w = Math.max(...r.sections.map((s) => s.section.length + 1));
    for (const s of r.sections) {
      const name = s.section ? `§${s.section}` : '(whole)';
      const etsi = s.etsiPurposes ? `  [ETSI: ${s.etsiClaimed} of ${s.etsiPurposes} purposes citing it claimed]` : '';
      out.push(`  ${name.padEnd(w)}  ${s.checks.join(', ')}${s.title ? `  — ${s.title}` : ''}${etsi}`);
    }
  }
  out.push(`\n${cov.etsi.document} test purposes claimed (void purposes excluded)`);
  const w = Math.max(...cov.etsi.groups.map((g) => g.name.length + g.key.length + 3));
  for (const g of cov.etsi.groups) {
    const label = `${g.name} (${g.key})`.padEnd(w);
    out.push(`  ${label}  ${String(g.covered).padStart(3)} / ${String(g.purposes).padEnd(3)}  ${pct(g.share)}`);
    for (const c of g.claimed) out.push(`      ${c.id}  ${c.checks.join(', ')}  (${c.citation ?? 'void'})`);
  }
  const t = cov.etsi.total;
  out.push(
    `  ${'all groups'.padEnd(w)}  ${String(t.covered).padStart(3)} / ${String(t.purposes).padEnd(3)}  ${pct(t.share)}`,
  );
  return out.join('\n') + '\n';
}
