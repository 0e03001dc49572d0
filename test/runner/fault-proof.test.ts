/**
 * The proof that every check can fail (issue: "fault switches that prove every check can fail"): with each fault
 * switch of the embedded reference SUT on, the check that guards that behaviour fails with a message naming the
 * defect, and every check that does not depend on it still passes. With no fault, every check passes.
 */
import { NonConformance, CheckDefinition, notApplicable } from '../../src/scenario/check';
import { CheckContext } from '../../src/scenario/context';
import { loadChecks } from '../../src/scenario/registry';
import { ExpectationError } from '../../src/agent/expectation';
import { FAULT_GUARDS } from '../../src/runner/fault-guards';
import { prepareSut } from '../../src/runner/sut-setup';
import { FAULT_NAMES, FaultName } from '../../src/sut/reference';

// The suites that run against the embedded SUT in one process (robustness, SIPp and UA suites have tests of their own).
const SUITES = [
  'invite',
  'register',
  'outbound',
  'subscribe',
  'message',
  'options',
  'refer',
  'routing',
  'fork',
  'timers',
];
const checks = loadChecks().filter((c) => SUITES.includes(c.suite));
/** The reference SUT as a B2BUA (issue 17): the suites that apply to that role, run against it. */
const b2buaChecks = loadChecks().filter((c) => ['invite', 'register', 'b2bua', 'dialog', 'prack'].includes(c.suite));
const T1 = 100;

async function runAll(
  faults: FaultName[],
  role: 'proxy' | 'b2bua' = 'proxy',
): Promise<Map<string, { ok: boolean; message?: string; conformance: boolean }>> {
  const sut = await prepareSut({ t1: T1, faults, role });
  try {
    const out = new Map<string, { ok: boolean; message?: string; conformance: boolean }>();
    const selected = (role === 'b2bua' ? b2buaChecks : checks).filter((c) => !notApplicable(c, sut.info));
    await Promise.all(
      selected.map(async (c: CheckDefinition) => {
        const ctx = new CheckContext(c, sut.info);
        try {
          await c.run(ctx);
          out.set(c.id, { ok: true, conformance: true });
        } catch (e) {
          out.set(c.id, {
            ok: false,
            message: (e as Error).message,
            conformance: e instanceof NonConformance || e instanceof ExpectationError,
          });
        } finally {
          await ctx.close();
        }
      }),
    );
    return out;
  } finally {
    await sut.stop();
  }
}

test('the fault table covers every fault switch', () => {
  expect(Object.keys(FAULT_GUARDS).sort()).toEqual([...FAULT_NAMES].sort());
  const ids = new Set([...checks, ...b2buaChecks].map((c) => c.id));
  for (const g of Object.values(FAULT_GUARDS))
    for (const id of [...g.guards, ...g.alsoFails]) expect(ids).toContain(id);
});

test(`with no fault, every check of ${SUITES.join(', ')} passes`, async () => {
  const r = await runAll([]);
  const failed = [...r].filter(([, v]) => !v.ok).map(([id, v]) => `${id}: ${v.message}`);
  expect(failed).toEqual([]);
}, 60_000);

test('with no fault, the reference SUT as a B2BUA passes every B2BUA, dialog, INVITE and REGISTER check', async () => {
  const r = await runAll([], 'b2bua');
  const failed = [...r].filter(([, v]) => !v.ok).map(([id, v]) => `${id}: ${v.message}`);
  expect(failed).toEqual([]);
  expect([...r.keys()]).toEqual(expect.arrayContaining(['B2BUA-NEW-DIALOG', 'DIALOG-GLARE-491', 'INVITE-2XX-ACK']));
}, 90_000);

describe.each(FAULT_NAMES.map((f) => [f]))('fault %s', (fault) => {
  test('its guarding check fails naming the defect; independent checks pass', async () => {
    const g = FAULT_GUARDS[fault as FaultName];
    const r = await runAll([fault as FaultName], g.role ?? 'proxy');
    for (const id of g.guards) {
      const v = r.get(id)!;
      expect({ id, ok: v.ok }).toEqual({ id, ok: false });
      expect(v.conformance).toBe(true);
      expect(v.message).toMatch(g.message);
      expect(v.message).toMatch(/RFC \d+ §/);
    }
    const unexpected = [...r]
      .filter(([id, v]) => !v.ok && !g.guards.includes(id) && !g.alsoFails.includes(id))
      .map(([id, v]) => `${id}: ${v.message}`);
    expect(unexpected).toEqual([]);
  }, 90_000);
});
