import { mkdir, open, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RefFailure } from '../types.js';
import { isErrno } from '../fs-durable.js';
import { refMessages } from './ref-messages.js';

/**
 * `<gitdir>/<name>.lock`, created with O_EXCL as git's lockfile.c does: whoever
 * creates it owns the ref until it is renamed over the ref or removed. A lock
 * left behind by a dead process blocks the ref, exactly as with git.
 */
export class RefLock {
  private constructor(
    readonly gitDir: string,
    /** "refs/heads/main", or "packed-refs". */
    readonly name: string,
  ) {}

  get refPath(): string {
    return join(this.gitDir, this.name);
  }

  get lockPath(): string {
    return `${this.refPath}.lock`;
  }

  /** The lock path as git spells it in messages (receive-pack runs with GIT_DIR=.). */
  /** The lock as messages name it: relative to the repository, since a client must never see server paths. */
  static displayPath(_gitDir: string, name: string): string {
    return `${name}.lock`;
  }

  /** Take the lock, or say why not (in git's words). `refName` names the ref in the message. */
  static async acquire(gitDir: string, name: string, refName = name): Promise<RefLock | RefFailure> {
    const lock = new RefLock(gitDir, name);
    try {
      await mkdir(dirname(lock.refPath), { recursive: true });
      const handle = await open(lock.lockPath, 'wx', 0o644);
      await handle.close();
      return lock;
    } catch (error) {
      const display = RefLock.displayPath(gitDir, name);
      if (isErrno(error, 'EEXIST')) return refMessages.lockExists(refName, display);
      return refMessages.lockFailed(refName, display, describeErrno(error));
    }
  }

  /** Replace the lock's content durably (fsync before the rename that publishes it). */
  async write(content: string | Buffer): Promise<void> {
    const handle = await open(this.lockPath, 'w', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Publish: rename the lock over the ref. */
  async commit(): Promise<void> {
    await rename(this.lockPath, this.refPath);
  }

  async release(): Promise<void> {
    await unlink(this.lockPath).catch((error) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
  }
}

/** strerror-like text for the common cases, as git prints after "Unable to create '…': ". */
export function describeErrno(error: unknown): string {
  switch ((error as NodeJS.ErrnoException)?.code) {
    case 'EEXIST':
      return 'File exists';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENAMETOOLONG':
      return 'File name too long';
    case 'EACCES':
      return 'Permission denied';
    case 'ENOSPC':
      return 'No space left on device';
    case 'ENOENT':
      return 'No such file or directory';
    default:
      return (error as Error)?.message ?? String(error);
  }
}

/**
 * After deleting a ref, remove directories it leaves empty, as git does,
 * sparing `refs/` and its immediate subdirectories (refs/heads, refs/tags).
 */
export async function pruneEmptyParents(gitDir: string, name: string): Promise<void> {
  const parts = name.split('/');
  for (let depth = parts.length - 1; depth > 2; depth--) {
    try {
      await rmdir(join(gitDir, ...parts.slice(0, depth)));
    } catch {
      return;
    }
  }
}
