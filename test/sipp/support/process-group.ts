/**
 * Whether any live process is left in a process group. Read from /proc, because a container's PID 1 may never
 * reap zombies: a killed, reparented child stays a zombie there, and kill(-pgid, 0) still succeeds on it.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function liveGroupMembers(pgid: number): number[] {
  const live: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses, so read after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const pgrp = Number(rest[2]);
    if (pgrp === pgid && state !== 'Z' && state !== 'X') live.push(Number(d));
  }
  return live;
}

/** Live processes whose command line mentions `text` (e.g. a test's private run directory). */
export function liveProcessesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (cmd.includes(text) && state !== 'Z') found.push(`${d}: ${cmd}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
