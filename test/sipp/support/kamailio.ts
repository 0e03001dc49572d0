/**
 * Kamailio as a real proxy/registrar for the SIPp scenario tests: foreground (-DD -E), its own process group,
 * runtime files in a private directory, readiness when its main process holds the UDP socket, and a stop that
 * takes the whole group down (SIGTERM, then SIGKILL).
 */
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processHasBound } from '../../../src/process/bound-ports';
import { probeFreePort } from '../../../src/process/free-ports';
import { ProcessGroup } from '../../../src/process/process-group';
import type { Endpoint } from '../../../src/transport/types';

export interface Kamailio {
  endpoint: Endpoint;
  pid: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startKamailio(cfg: string, runDir: string, within = 10_000): Promise<Kamailio> {
  mkdirSync(runDir, { recursive: true });
  const port = await probeFreePort('127.0.0.1');
  const logPath = join(runDir, 'kamailio.log');
  const fd = openSync(logPath, 'w');
  let group: ProcessGroup;
  try {
    group = await ProcessGroup.spawn(
      'kamailio',
      [
        '-DD',
        '-E',
        '-f',
        cfg,
        '-Y',
        runDir,
        '-P',
        join(runDir, 'kamailio.pid'),
        '-l',
        `udp:127.0.0.1:${port}`,
        '-l',
        `tcp:127.0.0.1:${port}`,
        '-m',
        '32',
        '-M',
        '8',
      ],
      { stdio: ['ignore', fd, fd] },
    );
  } catch (e) {
    throw new Error(`could not start kamailio (Debian package kamailio): ${(e as Error).message}`, { cause: e });
  } finally {
    closeSync(fd);
  }
  const pid = group.pid;
  const log = (): string => readFileSync(logPath, 'utf8');
  const deadline = Date.now() + within;
  for (;;) {
    if (group.exit)
      throw new Error(
        `kamailio exited (${group.exit.code ?? group.exit.signal}) before binding: ${log().slice(-2000)}`,
      );
    if (processHasBound(pid, port, 'udp')) break;
    if (Date.now() > deadline) {
      await group.stop('SIGKILL', 0);
      throw new Error(`kamailio did not bind udp 127.0.0.1:${port} within ${within} ms: ${log().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    endpoint: { address: '127.0.0.1', port },
    pid,
    log,
    async stop() {
      await group.stop('SIGTERM', 3000);
    },
  };
}
