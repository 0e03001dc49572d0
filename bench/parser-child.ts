/**
 * One parser contender in a process of its own (see benchParsers in parser.ts). It says `alive` once it listens;
 * the parent then sends `init` (which contender, how long to warm up, how long a batch should take) and `batch`
 * requests one at a time; each answer is the batch's messages per CPU-second of this process. It ends when the
 * parent goes.
 */
import {
  benchInputs,
  contenderByName,
  prepareContender,
  timeBatch,
  type ChildAnswer,
  type ChildRequest,
  type Contender,
} from './parser';

let contender: Contender | undefined;
let inputs: Array<Buffer | string> = [];
let rounds = 0;

function answer(a: ChildAnswer): void {
  process.send!(a);
}

process.on('message', (req: ChildRequest) => {
  try {
    if (req.type === 'init') {
      contender = contenderByName(req.name);
      inputs = benchInputs(contender);
      rounds = prepareContender(contender, inputs, req.warmMs, req.batchMs);
      answer({ type: 'ready', rounds });
    } else if (req.type === 'batch') {
      if (!contender) throw new Error('batch before init');
      answer({ type: 'sample', msgsPerSec: timeBatch(contender, inputs, rounds) });
    }
  } catch (e) {
    answer({ type: 'error', message: (e as Error).message });
  }
});
process.on('disconnect', () => process.exit(0));
answer({ type: 'alive' }); // now listening: the parent may send requests
