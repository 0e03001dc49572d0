/** The Allure result of a check carries its ETSI test purposes as labels and links, beside its RFC links. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSampleChecks } from './sample-run';

interface AllureResult {
  labels: Array<{ name: string; value: string }>;
  links: Array<{ url: string; name: string; type: string }>;
}

test('a real allure-jest run records etsi / etsiGroup labels and an ETSI link per purpose', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipconf-allure-etsi-'));
  try {
    await runSampleChecks(dir);
    const results = readdirSync(dir)
      .filter((f) => f.endsWith('-result.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as AllureResult);
    const register = results.find((r) => r.labels.some((l) => l.name === 'checkId' && l.value === 'REGISTER-200-OK'))!;
    expect(register.labels).toEqual(
      expect.arrayContaining([
        { name: 'etsi', value: 'SIP_RG_RR_V_001' },
        { name: 'etsiGroup', value: 'RG_RR' },
      ]),
    );
    expect(register.links).toEqual(
      expect.arrayContaining([
        { url: 'https://www.rfc-editor.org/rfc/rfc3261#section-10.3', name: 'RFC 3261 §10.3', type: 'rfc' },
        {
          url: 'https://www.etsi.org/deliver/etsi_ts/102000_102099/10202702/04.01.01_60/ts_10202702v040101p.pdf',
          name: 'ETSI TS 102 027-2 SIP_RG_RR_V_001',
          type: 'etsi',
        },
      ]),
    );
    // A check without purposes has no ETSI label.
    const other = results.find((r) => r.labels.some((l) => l.value === 'OUTBOUND-FAILOVER-430'))!;
    expect(other.labels.filter((l) => l.name.startsWith('etsi'))).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
