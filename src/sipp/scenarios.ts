/** Where the SIPp scenarios shipped with sipconf live (scenarios/sipp/ at the package root). */
import { join, resolve } from 'node:path';

export const SHIPPED_SCENARIOS_DIR = resolve(__dirname, '..', '..', 'scenarios', 'sipp');

export type ShippedScenario =
  'invite-through-proxy-uac' | 'uas' | 'register' | 'outbound-register-uas' | 'outbound-answer-ooc' | 'load-uac';

export function shippedScenario(name: ShippedScenario): string {
  return join(SHIPPED_SCENARIOS_DIR, `${name}.xml`);
}
