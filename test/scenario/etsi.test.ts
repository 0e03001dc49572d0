/**
 * Traceability to ETSI TS 102 027-2: the catalogue of test purposes, the load-time validation of `etsi:` claims
 * (unknown id, void purpose or wrong role, and RFC citations that are not references: file:line, exit 2), `sipconf list --json` and `sipconf list --coverage` on fixtures.
 */
import path from 'node:path';
import { ETSI_TS_102_027_2_URL } from '../../src/report/rfc';
import {
  ETSI_DOCUMENT,
  etsiClaimProblem,
  etsiGroups,
  etsiPurpose,
  etsiPurposes,
  ETSI_ID_PATTERN,
} from '../../src/scenario/etsi/catalogue';
import { computeCoverage } from '../../src/scenario/etsi/coverage';
import { loadCheck } from '../../src/scenario/registry';
import { ScenarioError } from '../../src/scenario/yaml-scenario';
import { sipconf } from '../integration/sipconf-cli';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'etsi');

describe('the ETSI TS 102 027-2 catalogue', () => {
  test('holds the 609 purposes of V4.1.1, unique and well-formed, in the published groups', () => {
    const all = etsiPurposes();
    expect(all).toHaveLength(609);
    expect(new Set(all.map((p) => p.id)).size).toBe(609);
    expect(all.every((p) => ETSI_ID_PATTERN.test(p.id))).toBe(true);
    const sizes = Object.fromEntries(etsiGroups().map((g) => [g.key, g.purposes]));
    expect(sizes).toEqual({
      CC_OE: 91,
      CC_TE: 82,
      CC_PR: 195,
      CC_RD: 13,
      MG_OE: 25,
      MG_TE: 23,
      MG_PR: 26,
      MG_RD: 22,
      MG_RR: 19,
      MG_RT: 13,
      QC_OE: 21,
      QC_TE: 10,
      QC_PR: 13,
      RG_RR: 29,
      RG_RT: 27,
    });
    expect(all.filter((p) => p.status === 'void').map((p) => p.id)).toEqual([
      'SIP_CC_PR_MP_RQ_V_010',
      'SIP_CC_PR_MP_RQ_V_028',
      'SIP_CC_PR_MP_RS_V_003',
      'SIP_CC_PR_TR_CL_TI_006',
      'SIP_CC_PR_TR_CL_TI_011',
      'SIP_CC_TE_CR_V_022',
      'SIP_RG_RT_V_006',
    ]);
    // Every non-void purpose cites RFC 3261 sections in the form the rest of sipconf uses.
    for (const p of all.filter((x) => x.status !== 'void')) {
      expect(p.rfc.length).toBeGreaterThan(0);
      expect(p.rfc.every((r) => /^RFC 3261 §[0-9A-Z.]+$/.test(r))).toBe(true);
    }
    expect(ETSI_DOCUMENT.url).toBe(ETSI_TS_102_027_2_URL);
    expect(etsiPurpose('SIP_CC_PR_MP_RQ_V_002')).toMatchObject({
      group: 'CC_PR',
      function: 'MP_RQ',
      class: 'V',
      roles: ['proxy'],
      status: 'mandatory',
      citation: 'RFC 3261 §16.3 item 3',
    });
  });

  test('a claim must name a non-void purpose for a role the check plays', () => {
    const proxy = { roles: ['proxy'] as const, requires: [] };
    expect(etsiClaimProblem('SIP_CC_PR_MP_RQ_V_002', proxy)).toBeUndefined();
    expect(etsiClaimProblem('SIP_CC_PR_MP_RQ_V_099', proxy)).toMatch(/unknown ETSI TS 102 027-2 test purpose/);
    expect(etsiClaimProblem('RG-RR-1', proxy)).toMatch(/the form is SIP_<area>/);
    expect(etsiClaimProblem('SIP_CC_PR_MP_RQ_V_010', proxy)).toMatch(/is void/);
    expect(etsiClaimProblem('SIP_RG_RR_V_001', proxy)).toMatch(/about the registrar/);
    // A proxy that needs the registrar capability plays the registrar.
    expect(etsiClaimProblem('SIP_RG_RR_V_001', { roles: ['proxy'], requires: ['registrar'] })).toBeUndefined();
    expect(etsiClaimProblem('SIP_CC_RD_CE_V_001', proxy)).toMatch(/an entity sipconf does not test/);
  });
});

describe('etsi: claims at load time', () => {
  const errorOf = (file: string): ScenarioError => {
    try {
      loadCheck(file);
    } catch (e) {
      if (e instanceof ScenarioError) return e;
      throw e;
    }
    throw new Error(`${file} loaded`);
  };

  test('an unknown id in a YAML check is an error at its line', () => {
    const file = path.join(FIXTURES, 'unknown-yaml', 'ETSI-FIX-UNKNOWN.yaml');
    const e = errorOf(file);
    expect(e.line).toBe(8);
    expect(e.message).toBe(`${file}:8: etsi: unknown ETSI TS 102 027-2 test purpose "SIP_RG_RR_V_099"`);
  });

  test('a purpose for another role in a TypeScript check is an error at its line', () => {
    const file = path.join(FIXTURES, 'unknown-ts', 'ETSI-FIX-TS.check.ts');
    expect(errorOf(file).message).toBe(
      `${file}:10: etsi: ETSI test purpose SIP_CC_PR_MP_RQ_V_002 is about the proxy (a proxy SUT); ` +
        `this check's SUT roles are ua`,
    );
  });

  test('an RFC citation that is not a reference is an error at its line', () => {
    const file = path.join(FIXTURES, 'bad-rfc', 'ETSI-FIX-RFC.check.ts');
    expect(errorOf(file).message).toBe(`${file}:9: rfc: "the proxy chapter" is not an RFC reference (RFC 3261 §16.6)`);
  });

  test('sipconf list exits 2 naming file:line', async () => {
    const r = await sipconf(['list', '--scenarios', path.join(FIXTURES, 'unknown-yaml')], 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ETSI-FIX-UNKNOWN.yaml:8: etsi: unknown ETSI TS 102 027-2 test purpose');
  }, 30_000);
});

describe('coverage', () => {
  test('counts claimed purposes per group over the non-void purposes, and RFC 3261 sections ETSI tests', () => {
    const cov = computeCoverage([
      { id: 'A', rfc: ['RFC 3261 §10.3', 'RFC 3261 §10.2.3'], etsi: ['SIP_RG_RR_V_001', 'SIP_RG_RR_V_002'] },
      {
        id: 'B',
        rfc: ['RFC 3261 §16.3', 'RFC 3261 §10.3', 'RFC 5626 §5.3'],
        etsi: ['SIP_CC_PR_MP_RQ_V_002', 'SIP_RG_RR_V_001'],
      },
    ]);
    const group = (k: string) => cov.etsi.groups.find((g) => g.key === k)!;
    expect(group('RG_RR')).toMatchObject({ purposes: 29, covered: 2, share: 0.069 });
    expect(group('RG_RR').claimed.map((c) => [c.id, c.checks])).toEqual([
      ['SIP_RG_RR_V_001', ['A', 'B']],
      ['SIP_RG_RR_V_002', ['A']],
    ]);
    expect(group('CC_PR')).toMatchObject({ purposes: 190, covered: 1, share: 0.0053 });
    expect(group('RG_RT')).toMatchObject({ purposes: 26, covered: 0, share: 0 });
    expect(cov.etsi.total).toEqual({ purposes: 602, covered: 3, share: 0.005 });
    const [r3261, r5626] = cov.rfc;
    expect(r3261!.rfc).toBe(3261);
    expect(r3261!.sections.map((s) => [s.section, s.checks])).toEqual([
      ['10.2.3', ['A']],
      ['10.3', ['A', 'B']],
      ['16.3', ['B']],
    ]);
    // §10.2.3 is not among the 98 existing RFC 3261 sections the ETSI purposes cite; §10.3 and §16.3 are.
    expect(r3261!.etsiTested).toEqual({ sections: 98, covered: 2, share: 0.0204 });
    expect(r3261!.sections[1]).toMatchObject({
      title: 'Processing REGISTER Requests',
      etsiPurposes: 29,
      etsiClaimed: 2,
    });
    expect(r5626).toEqual({ rfc: 5626, sections: [{ section: '5.3', checks: ['B'] }] });
  });

  test('sipconf list --coverage --json computes the same on fixture checks; the text form prints the matrix', async () => {
    const args = ['list', '--scenarios', path.join(FIXTURES, 'claims'), '--suite', 'etsi-fixture', '--coverage'];
    const json = await sipconf([...args, '--json'], 20_000);
    expect(json.code).toBe(0);
    const cov = JSON.parse(json.stdout) as ReturnType<typeof computeCoverage>;
    expect(cov.etsi.total).toEqual({ purposes: 602, covered: 3, share: 0.005 });
    expect(cov.etsi.groups.find((g) => g.key === 'RG_RR')).toMatchObject({ covered: 2, purposes: 29 });
    const text = await sipconf(args, 20_000);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/registrar \(RG_RR\)\s+2 \/ 29\s+6\.9 %/);
    expect(text.stdout).toMatch(/SIP_RG_RR_V_001 {2}ETSIFIX-PROXY, ETSIFIX-REGISTRAR/);
    expect(text.stdout).toMatch(/RFC 3261: 3 sections cited; 2 of the 98 sections ETSI TS 102 027-2 tests \(2\.0 %\)/);
  }, 40_000);
});

describe('sipconf list --json', () => {
  test('gives {id, suite, title, rfc, etsi, roles, capabilities} for every check', async () => {
    const r = await sipconf(['list', '--json', '--scenarios', path.join(FIXTURES, 'claims')], 20_000);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(list.length).toBeGreaterThan(30);
    for (const c of list) {
      expect(c).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          suite: expect.any(String),
          title: expect.any(String),
          rfc: expect.any(Array),
          etsi: expect.any(Array),
          roles: expect.any(Array),
          capabilities: expect.any(Array),
        }),
      );
    }
    expect(list.find((c) => c.id === 'ETSIFIX-PROXY')).toMatchObject({
      etsi: ['SIP_CC_PR_MP_RQ_V_002', 'SIP_RG_RR_V_001'],
      roles: ['proxy'],
      capabilities: ['registrar'],
    });
  }, 30_000);
});
