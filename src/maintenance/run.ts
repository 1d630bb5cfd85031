import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitRepository } from '../repo/repository.js';
import { removeLitter, LITTER_GRACE_MS } from './litter.js';
import { withMaintenanceLock } from './maintenance-lock.js';
import { packRefs, type PackRefsResult } from './pack-refs.js';
import { repackObjects, type RepackResult } from './repack.js';

export interface MaintenanceOptions {
  /** `geometric` (the default, what runs after pushes) or `full` (`pushgate gc --full`). */
  mode?: 'geometric' | 'full';
  /** Skip pack-refs. */
  skipRefs?: boolean;
  /** See PackRefsOptions.minAgeMs. */
  refsMinAgeMs?: number;
  litterGraceMs?: number;
  progress?: (message: string) => void;
}

export interface MaintenanceReport {
  repack: RepackResult;
  refs?: PackRefsResult;
  litterRemoved: number;
  durationMs: number;
}

/** Written at the end of each run: when the repository was last maintained, for people and the admin API. */
export const LAST_RUN_FILE = 'pushgate-maintenance.json';

/**
 * One maintenance run on the repository at `gitDir`, under its maintenance
 * lock: litter of crashed processes removed, objects repacked, refs packed.
 * Unreachable objects are never pruned (no gc.pruneExpire handling yet).
 */
export async function runMaintenance(gitDir: string, options: MaintenanceOptions = {}): Promise<MaintenanceReport> {
  const started = Date.now();
  return withMaintenanceLock(gitDir, async () => {
    const repo = await GitRepository.open(gitDir);
    try {
      const objectsDir = join(repo.gitDir, 'objects');
      const litterRemoved = await removeLitter(objectsDir, options.litterGraceMs ?? LITTER_GRACE_MS);
      const repack = await repackObjects(objectsDir, repo.algo, {
        mode: options.mode ?? 'geometric',
        factor: 2,
        progress: options.progress,
      });
      let refs: PackRefsResult | undefined;
      if (!options.skipRefs) {
        await repo.objects.refresh();
        refs = await packRefs(repo.gitDir, repo.algo, repo.objects, { minAgeMs: options.refsMinAgeMs });
        options.progress?.(`packed ${refs.packed} ref(s), pruned ${refs.pruned} loose`);
      }
      const report: MaintenanceReport = { repack, refs, litterRemoved, durationMs: Date.now() - started };
      await writeFile(
        join(repo.gitDir, LAST_RUN_FILE),
        JSON.stringify({ finishedAt: new Date().toISOString(), ...report }) + '\n',
      ).catch(() => undefined);
      return report;
    } finally {
      await repo.close();
    }
  });
}
