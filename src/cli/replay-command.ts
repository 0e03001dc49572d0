/**
 * `sipconf replay FILE... --target HOST:PORT [--transport udp|tcp] [--wait MS] [--gap MS] [--include-responses]
 * [--no-probe]`: sends saved messages (exact bytes: a robustness case attached to a failed check) or the SIP
 * requests of a pcap to a target, prints what comes back, then probes it with OPTIONS.
 * Exit 0: the target still answers; 1: it no longer answers (the replay reproduced a kill or wedge);
 * 2: bad usage, unreadable file, or a target that did not answer before the replay.
 */
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { Command } from 'commander';
import { probeOptions } from '../sut/options-probe';
import { parseEndpoint } from '../transport/endpoint';
import { formatEndpoint } from '../transport/types';
import { ReplayInputError, ReplayItem, replay, replayItems } from '../replay/replay';
import { UnreachableError } from './exit-codes';

interface ReplayFlags {
  target: string;
  transport: 'udp' | 'tcp';
  wait: string;
  gap: string;
  includeResponses?: boolean;
  probe: boolean;
  probeTimeout: string;
}

function nonNegative(name: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
    throw new ReplayInputError(`--${name} must be a whole number of milliseconds, not "${v}"`);
  return n;
}

export function registerReplayCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('replay')
    .description(
      'send saved SIP messages (raw bytes or a pcap) to a target, then check it still answers OPTIONS: exit 0 alive, 1 no longer answering, 2 bad input',
    )
    .argument('<files...>', 'files with the exact bytes of one message each (e.g. a robustness case), or pcap files')
    .requiredOption('--target <host:port>', 'where to send them')
    .addOption(
      new Option('--transport <t>', 'udp: one datagram per message; tcp: one connection, messages in order')
        .choices(['udp', 'tcp'])
        .default('udp'),
    )
    .option('--wait <ms>', 'collect answers this long after the last message', '1000')
    .option('--gap <ms>', 'pause between messages', '0')
    .option('--include-responses', 'also send the responses found in a pcap (default: requests only)')
    .option('--no-probe', 'do not probe the target with OPTIONS before and after')
    .option('--probe-timeout <ms>', 'how long the target has to answer each probe', '4000')
    .action(async (files: string[], flags: ReplayFlags) => {
      // Bad input throws UsageError / ReplayInputError / PcapError, a silent target UnreachableError: exit 2.
      const target = parseEndpoint(flags.target, { what: '--target' });
      const waitMs = nonNegative('wait', flags.wait);
      const gapMs = nonNegative('gap', flags.gap);
      const probeMs = nonNegative('probe-timeout', flags.probeTimeout);
      const items: ReplayItem[] = [];
      for (const f of files) {
        let buf: Buffer;
        try {
          buf = readFileSync(f);
        } catch (e) {
          throw new ReplayInputError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        items.push(...replayItems(f, buf, { includeResponses: flags.includeResponses }));
      }
      const where = `${formatEndpoint(target)} (${flags.transport})`;
      const log = (line: string) => process.stdout.write(`${line}\n`);
      if (flags.probe) {
        const before = await probeOptions(target, flags.transport, probeMs, { t1: 200 });
        if (!before.ok)
          throw new UnreachableError(`target ${where} does not answer OPTIONS before the replay: ${before.reason}`);
      }
      const outcome = await replay(items, { target, transport: flags.transport, waitMs, gapMs, log });
      log(`sent ${outcome.sent} message(s) to ${where}; ${outcome.received.length} answer(s)`);
      if (!flags.probe) return setExit(0);
      const after = await probeOptions(target, flags.transport, probeMs, { t1: 200 });
      if (after.ok) {
        log(`the target still answers OPTIONS (${after.status} ${after.reason}, ${Math.round(after.rttMs)} ms)`);
        setExit(0);
      } else {
        log(`REPRODUCED: the target no longer answers OPTIONS after the replay: ${after.reason}`);
        setExit(1);
      }
    });
}
