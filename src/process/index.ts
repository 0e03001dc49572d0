/**
 * Child processes (layer `process`): a process group per child (spawn detached), a bounded run, the exit safety net
 * that kills every group when node exits, and free ports for children to bind. Used by managed SUTs (src/sut),
 * SIPp (src/sipp) and the tests that start Kamailio.
 */
export {
  ProcessGroup,
  SpawnError,
  signalGroup,
  settlesWithin,
  type GroupExit,
  type SpawnGroupOptions,
} from './process-group';
export { runBounded, type BoundedRunOptions, type BoundedRunResult } from './run-bounded';
export { guardGroup, releaseGroup, guardedGroupCount } from './safety-net';
export { allocatePorts, probeFreePort, childPortRange, ephemeralPortRange } from './free-ports';
export { processHasBound, portIsTaken } from './bound-ports';
export { findExecutable, isExecutableFile, missingBinaryMessage } from './executables';
