/**
 * Scheduling a PBX's accounts across parallel checks: jest workers are separate processes, so a lease is a lock
 * file created with O_EXCL (`wx`) in a directory every worker of the run shares. A check takes all the accounts it
 * needs at once or none (no two checks can each hold half of what the other waits for), retries with a short random
 * pause while they are busy, and gives up after a bound. A lock whose process is gone (a crashed worker) is taken
 * over. The trunk next hop — one address where the harness's callee listens — is leased the same way.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { SutAccount } from '../scenario/check';
import type { AccountLeaser, PartyAccounts } from '../scenario/context';

export class LockFileLeases implements AccountLeaser {
  constructor(
    private readonly dir: string,
    private readonly accounts: readonly SutAccount[],
  ) {
    mkdirSync(dir, { recursive: true });
  }

  get poolSize(): number {
    return this.accounts.length;
  }

  /** One account per party, all or none, within `timeoutMs`; rejects with the reason when the bound passes. */
  async acquire(parties: readonly string[], timeoutMs: number): Promise<PartyAccounts> {
    if (parties.length > this.accounts.length)
      throw new Error(
        `the accounts pool has ${this.accounts.length} account(s); this check needs ${parties.length} (${parties.join(', ')})`,
      );
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const got: number[] = [];
      for (let i = 0; i < this.accounts.length && got.length < parties.length; i++)
        if (this.tryLock(`account-${i}`)) got.push(i);
      if (got.length === parties.length) {
        const byParty = new Map(parties.map((p, k) => [p, this.accounts[got[k]!]!]));
        return { byParty, release: () => got.forEach((i) => this.unlock(`account-${i}`)) };
      }
      got.forEach((i) => this.unlock(`account-${i}`));
      if (performance.now() >= deadline)
        throw new Error(
          `no ${parties.length} free account(s) of the pool of ${this.accounts.length} within ${Math.round(timeoutMs / 1000)} s (other checks held them)`,
        );
      await pause(20 + Math.random() * 60);
    }
  }

  /** The trunk next hop, one check at a time; resolves to its release. */
  async acquireTrunk(timeoutMs: number): Promise<() => void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.tryLock('trunk')) {
      if (performance.now() >= deadline)
        throw new Error(`the trunk next hop stayed busy for ${Math.round(timeoutMs / 1000)} s (another check held it)`);
      await pause(20 + Math.random() * 60);
    }
    return () => this.unlock('trunk');
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.lock`);
  }

  private tryLock(name: string): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.file(name), 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (!this.stale(name)) return false;
        this.unlock(name);
      }
    }
    return false;
  }

  /** A lock held by a process that no longer exists. */
  private stale(name: string): boolean {
    let pid: number;
    try {
      pid = Number(readFileSync(this.file(name), 'utf8'));
    } catch {
      return false; // just released, or being written: try again later
    }
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  private unlock(name: string): void {
    try {
      unlinkSync(this.file(name));
    } catch {
      /* already gone */
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
