import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who owns a journal: host, pid and the process's start time, so that a
 * recycled pid is not mistaken for the owner still running.
 */
export interface ProcessIdentity {
  host: string;
  pid: number;
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

/**
 * Whether the process that wrote a journal may still be running. Another
 * host's process counts as gone: a repository lives on one storage node.
 */
export function isProcessAlive(owner: ProcessIdentity): boolean {
  const me = currentProcess();
  if (owner.host !== me.host) return false;
  if (owner.pid === me.pid && owner.started === me.started) return true;
  const started = startTimeOf(owner.pid);
  if (started !== undefined) return owner.started === '-' || started === owner.started;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
