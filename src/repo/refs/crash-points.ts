/**
 * Test hook for the crash-safety tests: when PUSHGATE_TEST_REF_CRASH names
 * this point, the process kills itself with SIGKILL right here, as a power
 * cut or OOM kill would. `point:N` kills at the point's N-th visit (1 = the
 * first), so that a many-ref push can die at any of its locks. Unset in
 * normal operation.
 */
export type RefCrashPoint =
  // atomic transactions (ref-transaction.ts)
  | 'after-prepare'
  | 'after-locks'
  | 'after-commit'
  | 'after-first-apply'
  // every lock (lock-owner.ts, ref-lock.ts)
  | 'lock-owner-created' // owner link made, lock not yet linked
  | 'lock-linked' // `<name>.lock` exists, empty
  | 'lock-written' // the new value is in the lock
  | 'lock-renamed' // the lock renamed over the ref, owner link still there
  | 'lock-unlinked' // a released or deleting lock removed, owner link still there
  | 'lock-taken-over'; // a dead owner's link renamed to ours, not yet checked

const visits = new Map<string, number>();

export function crashPoint(point: RefCrashPoint): void {
  const wanted = process.env.PUSHGATE_TEST_REF_CRASH;
  if (wanted === undefined || !wanted.startsWith(point)) return;
  const rest = wanted.slice(point.length);
  if (rest === '') process.kill(process.pid, 'SIGKILL');
  else if (rest.startsWith(':')) {
    const count = (visits.get(point) ?? 0) + 1;
    visits.set(point, count);
    if (count === Number(rest.slice(1))) process.kill(process.pid, 'SIGKILL');
  }
}
