/**
 * Test hook for the crash-safety tests: when PUSHGATE_TEST_REF_CRASH names
 * this point, the process kills itself with SIGKILL right here, as a power
 * cut or OOM kill would. Unset in normal operation.
 */
export type RefCrashPoint = 'after-prepare' | 'after-locks' | 'after-commit' | 'after-first-apply';

export function crashPoint(point: RefCrashPoint): void {
  if (process.env.PUSHGATE_TEST_REF_CRASH === point) process.kill(process.pid, 'SIGKILL');
}
