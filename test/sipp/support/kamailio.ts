/**
 * Kamailio as a real proxy/registrar for the SIPp scenario tests: foreground (-DD -E), its own process group,
 * runtime files in a private directory, readiness when its main process holds the UDP socket, and a stop that
 * takes the whole group down (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeFreePort, processHasBound } from '../../../src/sipp/ports';
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
  const child: ChildProcess = spawn(
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
    {
      detached: true,
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const spawnFailed = new Promise<Error>((r) => child.once('error', r));
  const pid = child.pid!;
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // gone
    }
  };
  const log = (): string => readFileSync(logPath, 'utf8');
  const deadline = Date.now() + within;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`kamailio exited (${child.exitCode ?? child.signalCode}) before binding: ${log().slice(-2000)}`);
    if (processHasBound(pid, port, 'udp')) break;
    if (Date.now() > deadline) {
      killGroup('SIGKILL');
      await exited;
      throw new Error(`kamailio did not bind udp 127.0.0.1:${port} within ${within} ms: ${log().slice(-2000)}`);
    }
    const err = await Promise.race([spawnFailed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
    if (err) throw new Error(`could not start kamailio (Debian package kamailio): ${err.message}`);
  }
  return {
    endpoint: { address: '127.0.0.1', port },
    pid,
    log,
    async stop() {
      killGroup('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      killGroup('SIGKILL');
      await exited;
    },
  };
}
