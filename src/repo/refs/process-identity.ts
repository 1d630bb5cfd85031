import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who owns a journal or a lock: host, pid and the process's start time, so
 * that a recycled pid is not mistaken for the owner still running.
 */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), or "-" where there is no /proc. */
  started: string;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields are counted after the parenthesised command name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;

export function currentProcess(): ProcessIdentity {
  self ??= { host: hostname(), pid: process.pid, started: startTimeOf(process.pid) ?? '-' };
  return self;
}

/** A short, file-name-safe tag of a host name (lock owner links carry it instead of the name). */
export function hostTag(host: string): string {
  return createHash('sha256').update(host).digest('hex').slice(0, 12);
}

/**
 * Whether the process that wrote a journal may still be running. Another
 * host's process counts as gone: a repository lives on one storage node.
 */
export function isProcessAlive(owner: ProcessIdentity): boolean {
  const me = currentProcess();
  if (owner.host !== me.host) return false;
  return localProcessState(owner.pid, owner.started) !== 'dead';
}

/**
 * What can be known about a process of this host:
 * - `alive`: that pid runs and started at that time (or it is this process);
 * - `dead`: no such pid, or the pid now belongs to a process started at another time (reused);
 * - `unknown`: the pid runs but its start time cannot be compared (no /proc, or none recorded).
 * Lock owners are taken over only when `dead`; `unknown` ones wait for a grace period.
 */
export function localProcessState(pid: number, started: string): 'alive' | 'dead' | 'unknown' {
  if (!Number.isSafeInteger(pid) || pid <= 0) return 'unknown';
  const me = currentProcess();
  if (pid === me.pid) return started === me.started ? 'alive' : 'dead';
  const now = startTimeOf(pid);
  if (now !== undefined) {
    if (started === '-') return 'unknown';
    return now === started ? 'alive' : 'dead';
  }
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
  }
  return 'unknown';
}
