import type { RefFailure } from '../types.js';
import { isErrno } from '../fs-durable.js';
import { OwnedLock, createLock, examineLock, newLockTx } from './lock-owner.js';
import { refMessages } from './ref-messages.js';
import { settleJournal } from './recovery.js';
import { describeErrno } from '../../system-errors.js';

export { pruneEmptyParents } from './lock-owner.js';

/**
 * `<gitdir>/<name>.lock`, exclusive as git's lockfile.c makes it: whoever
 * creates it owns the ref until it is renamed over the ref or removed. Unlike
 * git's, it is born with an owner record (lock-owner.ts), so that a lock left
 * by a process that died is taken over by the next one who needs it, while a
 * lock a running process holds is never touched. A lock without an owner
 * record (git's own) blocks the ref, as with git, until nobody has touched it
 * for STALE_LOCK_GRACE_MS.
 */
export class RefLock {
  private constructor(
    readonly gitDir: string,
    /** "refs/heads/main", or "packed-refs". */
    readonly name: string,
    private readonly owned: OwnedLock,
  ) {}

  get refPath(): string {
    return this.owned.refPath;
  }

  get lockPath(): string {
    return this.owned.lockPath;
  }

  /** The lock as messages name it: relative to the repository, since a client must never see server paths. */
  static displayPath(_gitDir: string, name: string): string {
    return `${name}.lock`;
  }

  /**
   * Take the lock, or say why not (in git's words). `refName` names the ref in
   * the message; `tx` is the atomic transaction (journal id) taking it, if any.
   */
  static async acquire(gitDir: string, name: string, refName = name, tx = newLockTx()): Promise<RefLock | RefFailure> {
    const display = RefLock.displayPath(gitDir, name);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const created = await createLock(gitDir, name, tx);
        if (created instanceof OwnedLock) return new RefLock(gitDir, name, created);
        const found = await examineLock(gitDir, name, tx);
        if (found instanceof OwnedLock) return new RefLock(gitDir, name, found);
        if (found === 'busy') break;
        if (found !== 'retry') await settleJournal(gitDir, found.settle);
      }
      return refMessages.lockExists(refName, display);
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return refMessages.lockExists(refName, display);
      return refMessages.lockFailed(refName, display, describeErrno(error));
    }
  }

  /** Replace the lock's content durably (fsync before the rename that publishes it). */
  write(content: string | Buffer): Promise<void> {
    return this.owned.write(content);
  }

  /** Publish: rename the lock over the ref. */
  commit(): Promise<void> {
    return this.owned.commit();
  }

  release(): Promise<void> {
    return this.owned.release();
  }
}
