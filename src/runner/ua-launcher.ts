/**
 * A user-agent SUT (role ua) with `start:` is started once per check, not once per run: the check's own
 * registrar listens on a port of its own, the UA is started with {listenPort} set to it, and the check sees the
 * UA's very first REGISTER. Each check gets a UA in a known state (no flow left over from another check, no
 * RFC 5626 §4.5 back-off in progress), and checks against one profile can run in parallel.
 */
import type { UaInstance, UaLauncher } from '../scenario/context';
import { startManagedSut } from '../sut/managed';
import { loadProfile } from '../sut/profile';

export function managedUaLauncher(profileFile: string): UaLauncher {
  return {
    async start(listenPort, firstRegister): Promise<UaInstance> {
      const profile = await loadProfile(profileFile);
      const sut = await startManagedSut(profile, {
        listenPort,
        waitForRegister: ({ signal }) => firstRegister(signal),
      });
      return { pid: sut.pid, dial: (uri) => sut.dial(uri), readLog: () => sut.readLog(), stop: () => sut.stop() };
    },
  };
}
