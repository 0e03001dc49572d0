/**
 * Making a UA SUT place a call, as its profile's `dial:` says: a command line run to its end within a bound, or
 * `ctrl_tcp://HOST:PORT/COMMAND PARAMS` for baresip's ctrl_tcp module.
 */
import { findExecutable, missingBinaryMessage } from '../process/executables';
import { runBounded } from '../process/run-bounded';
import { parseEndpoint } from '../transport/endpoint';
import { baresipCommand } from './baresip/ctrl-tcp';
import { renderStrict, splitCommand } from './placeholders';
import type { SutProfile } from './profile';

/** Runs the profile's dial: with `values` (including {uri}); rejects with the reason the call was not placed. */
export async function runDial(profile: SutProfile, values: Record<string, string>, timeoutMs: number): Promise<void> {
  if (!profile.dial)
    throw new Error(`${profile.name}: the profile has no dial: command, so sipconf cannot make it place a call`);
  const cmd = renderStrict(profile.dial, values, 'dial');
  const ctrl = /^ctrl_tcp:\/\/([^/]+)\/(\S+)(?:\s+(.*))?$/.exec(cmd);
  if (ctrl) {
    const res = await baresipCommand(parseEndpoint(ctrl[1]!), ctrl[2]!, ctrl[3] ?? '', timeoutMs);
    if (!res.ok) throw new Error(`${profile.name}: dial refused: ${res.data.trim() || 'no reason given'}`);
    return;
  }
  const argv = splitCommand(cmd);
  const bin = findExecutable(argv[0]!);
  if (!bin) throw new Error(`${profile.name}: dial: ${missingBinaryMessage(argv[0]!)}`);
  const r = await runBounded(bin, argv.slice(1), { timeoutMs });
  if (r.code === 0) return;
  const how = r.timedOut
    ? `killed by ${r.signal ?? 'SIGKILL'} (timeout ${timeoutMs} ms)`
    : r.signal
      ? `killed by ${r.signal}`
      : `exited with ${r.code}`;
  throw new Error(`${profile.name}: dial command ${how}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
}
