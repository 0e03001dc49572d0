/** How a check is labelled in Allure against a given SUT — the same for a check that runs and one that is skipped. */
import type { CheckMeta } from '../report/allure-check';
import type { CheckDefinition, SutInfo } from '../scenario/check';
import { etsiPurpose } from '../scenario/etsi/catalogue';

export function checkMetaFor(def: CheckDefinition, sut: Pick<SutInfo, 'name' | 'role' | 'transports'>): CheckMeta {
  return {
    id: def.id,
    suite: def.suite,
    title: def.title,
    rfc: def.rfc,
    etsi: (def.etsi ?? []).map((id) => ({ id, group: etsiPurpose(id)?.group ?? '' })),
    severity: def.severity,
    sut: sut.name,
    tags: [sut.role, ...sut.transports],
    epic: 'SIP conformance',
  };
}
