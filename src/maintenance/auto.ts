import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { FileConfig } from '../repo/config.js';
import { MAINTENANCE_ERROR } from './maintenance-errors.js';
import { runMaintenance, type MaintenanceReport } from './run.js';
import { autoMaintenanceNeeded } from './thresholds.js';

/** Loose refs younger than this stay loose in runs after pushes (see PackRefsOptions.minAgeMs). */
const AUTO_REFS_MIN_AGE_MS = 10_000;

/** Runs started by this process, per repository: a push that lands while one runs does not start another. */
const running = new Map<string, Promise<MaintenanceReport | undefined>>();

export interface AfterPushOptions {
  log?: Logger;
}

/**
 * receive-pack's `git gc --auto`, without delaying anything: the thresholds
 * are checked and a run started after the caller's turn, and the promise
 * (for tests and for a process that wants to wait before exiting) resolves
 * when the run is over — undefined when none was needed. Never rejects: a
 * failed run is logged, the next push tries again.
 */
export function maintainAfterPush(gitDir: string, options: AfterPushOptions = {}): Promise<MaintenanceReport | undefined> {
  const key = resolve(gitDir);
  const existing = running.get(key);
  if (existing) return existing;
  const run = new Promise<void>((next) => setImmediate(next)).then(async () => {
    const config = await FileConfig.load(join(key, 'config'));
    const verdict = await autoMaintenanceNeeded(join(key, 'objects'), config);
    if (!verdict.needed) return undefined;
    const report = await runMaintenance(key, { mode: 'geometric', refsMinAgeMs: AUTO_REFS_MIN_AGE_MS });
    options.log?.info({ gitDir: key, ...verdict, report }, 'maintenance');
    return report;
  });
  const settled = run
    .catch((err: unknown) => {
      const busy = (err as { code?: string }).code === MAINTENANCE_ERROR.busy;
      if (!busy) options.log?.warn({ err, gitDir: key }, 'maintenance failed');
      return undefined;
    })
    .finally(() => running.delete(key));
  running.set(key, settled);
  return settled;
}

/** Runs this process started that have not finished (tests, orderly shutdown). */
export async function settleMaintenance(): Promise<void> {
  await Promise.all([...running.values()]);
}
