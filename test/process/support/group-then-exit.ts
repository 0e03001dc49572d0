/**
 * A harness stand-in for the safety-net test: starts `sleep 60` in its own process group, prints the group id, then
 * ends as argv[2] says — `exit` (process.exit) or `wait` (until a signal ends it).
 */
import { ProcessGroup } from '../../../src/process/process-group';

void (async () => {
  const group = await ProcessGroup.spawn('sleep', ['60']);
  process.stdout.write(`${group.pid}\n`);
  if (process.argv[2] === 'exit') process.exit(0);
  setInterval(() => undefined, 1000); // keep node alive until the signal
})();
