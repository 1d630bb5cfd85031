import { MaintenanceError } from '../errors.js';
import { MAINTENANCE_LOCK_NAME } from '../repo/refs/lock-owner.js';
import { RefLock } from '../repo/refs/ref-lock.js';
import { MAINTENANCE_ERROR } from './maintenance-errors.js';

/** `<gitdir>/pushgate-maintenance.lock`: git's gc.pid, with pushgate's lock owners. */
const LOCK_NAME = MAINTENANCE_LOCK_NAME;

/**
 * One maintenance run per repository at a time, across processes. The lock
 * is a ref-style lock with an owner record (repo/refs/lock-owner.ts), so a
 * run that crashed (kill -9) leaves a lock the next run takes over at once,
 * while one held by a live process is never touched.
 */
export async function withMaintenanceLock<T>(gitDir: string, run: () => Promise<T>): Promise<T> {
  const lock = await RefLock.acquire(gitDir, LOCK_NAME);
  if (!(lock instanceof RefLock)) {
    throw new MaintenanceError(MAINTENANCE_ERROR.busy, 'another maintenance run is in progress for this repository', {
      reason: lock.message,
    });
  }
  try {
    return await run();
  } finally {
    await lock.release();
  }
}
