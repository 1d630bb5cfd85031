import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { DatabaseLockedError } from './errors.js';

/** What a lock file says about its holder. */
interface LockOwner {
  pid: number;
  host: string;
  /** Random per process: tells a restarted process with a reused pid (pid 1 in a container) from itself. */
  nonce: string;
  since: string;
}

/** Identifies this process in lock files. */
const PROCESS_NONCE = randomBytes(8).toString('hex');

export interface FolderLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Takes an exclusive lock file, or throws DatabaseLockedError naming the
 * holder. PGlite itself does nothing against two processes opening one data
 * directory (each would get its own diverging view), so this must succeed
 * before PGlite opens it. A lock left by a dead process is taken over.
 */
export async function acquireFolderLock(lockPath: string, what: string): Promise<FolderLock> {
  const me: LockOwner = { pid: process.pid, host: os.hostname(), nonce: PROCESS_NONCE, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(lockPath, me)) return holdLock(lockPath);
    const owner = await readOwner(lockPath);
    if (owner === 'gone') continue;
    if (owner && isStale(owner)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    throw lockedError(lockPath, what, owner);
  }
  throw lockedError(lockPath, what, null);
}

/** Writes the owner to a temporary file, then links it into place: the lock never exists half-written. */
async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, JSON.stringify(owner) + '\n', { mode: 0o644 });
  try {
    await link(tmp, lockPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | null | 'gone'> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, nonce: String(parsed.nonce ?? ''), since: String(parsed.since ?? '') };
    }
  } catch {
    // Unreadable content: treated as held, the message says how to clear it.
  }
  return null;
}

/** Only locks from this machine can be judged; a lock from another host is always respected. */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return owner.nonce !== PROCESS_NONCE;
  return !processIsAlive(owner.pid);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(lockPath: string, what: string, owner: LockOwner | null): DatabaseLockedError {
  if (!owner) {
    return new DatabaseLockedError(
      `${what} is locked by ${lockPath}, whose holder is unknown; delete that file if no pushgate process uses it`,
      { lockPath },
    );
  }
  const who =
    owner.pid === process.pid && owner.host === os.hostname()
      ? `this process (pid ${owner.pid})`
      : `another process (pid ${owner.pid} on ${owner.host}, since ${owner.since})`;
  return new DatabaseLockedError(
    `${what} is in use by ${who}. The embedded database allows one process at a time: stop that process, ` +
      `use the admin API of the running server, or set DATABASE_URL to a PostgreSQL server. ` +
      `If no such process exists, delete ${lockPath}.`,
    { lockPath, pid: owner.pid, host: owner.host },
  );
}

const heldLocks = new Set<string>();
let exitHookInstalled = false;

function holdLock(lockPath: string): FolderLock {
  heldLocks.add(lockPath);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A normal exit (also process.exit from a signal handler) leaves no lock behind; a kill leaves a stale one.
    process.once('exit', () => {
      for (const held of heldLocks) {
        try {
          unlinkSync(held);
        } catch {
          // already gone
        }
      }
    });
  }
  let released = false;
  return {
    path: lockPath,
    async release() {
      if (released) return;
      released = true;
      heldLocks.delete(lockPath);
      await unlink(lockPath).catch(() => undefined);
    },
  };
}
