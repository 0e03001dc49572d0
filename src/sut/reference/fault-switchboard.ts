/**
 * Which faults of one reference SUT are on, and the hooks that apply them: for each layer, one object whose hooks
 * run the active faults' overrides in FAULT_NAMES order, starting from the RFC's outcome. The hooks are installed
 * once at start; switching a fault on or off only changes the active set.
 */
import type { FaultHooks, SwitchableSut } from './fault-definition';
import { FAULT_NAMES, FaultName, definition } from './faults';

type Hook = (outcome: unknown, ...context: unknown[]) => unknown;

export class FaultSwitchboard {
  private readonly on = new Set<FaultName>();

  /** The faults switched on. */
  get active(): ReadonlySet<FaultName> {
    return this.on;
  }

  set(name: FaultName, on: boolean, sut: SwitchableSut): void {
    if (on) this.on.add(name);
    else this.on.delete(name);
    definition(name).onSwitch?.(sut, on);
  }

  /** The hooks of one layer, for the core object of that layer to be constructed with. */
  hooks<L extends keyof FaultHooks>(layer: L): NonNullable<FaultHooks[L]> {
    const names = new Set<string>();
    for (const f of FAULT_NAMES) for (const k of Object.keys(definition(f).hooks?.[layer] ?? {})) names.add(k);
    const hooks: Record<string, Hook> = {};
    for (const k of names)
      hooks[k] = (outcome, ...context) => {
        let result = outcome;
        for (const f of FAULT_NAMES) {
          if (!this.on.has(f)) continue;
          const override = (definition(f).hooks?.[layer] as Record<string, Hook | undefined> | undefined)?.[k];
          if (override) result = override(result, ...context);
        }
        return result;
      };
    return hooks as NonNullable<FaultHooks[L]>;
  }
}
