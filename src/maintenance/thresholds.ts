import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitConfig } from '../repo/types.js';
import { geometricRollup } from './geometric.js';
import { indexObjectCount, unkeptIndexes } from './pack-list.js';

/** git's defaults (builtin/gc.c). */
export const GC_AUTO_DEFAULT = 6700;
export const GC_AUTO_PACK_LIMIT_DEFAULT = 50;
/**
 * The geometric test starts above this many packs: a repository with a
 * handful is not worth a run after every push, and ~log2(pushes) exceeds it
 * only after hundreds of pushes anyway.
 */
export const GEOMETRIC_MIN_PACKS = 8;

export interface AutoVerdict {
  /** Whether `git gc --auto` would run here. */
  needed: boolean;
  tooManyLoose: boolean;
  tooManyPacks: boolean;
  /** pushgate.geometricRepack (default on) and the packs are not a factor-2 progression. */
  notGeometric: boolean;
  packs: number;
}

/**
 * `git gc --auto`'s test, after a push as receive-pack does it: nothing
 * with `receive.autogc = false` or `gc.auto = 0`; otherwise too many loose
 * objects (objects/17/ holds more than gc.auto/256 of them: git samples one
 * shard) or more than gc.autoPackLimit packs without a `.keep`. And, unless
 * `pushgate.geometricRepack = false`, whenever the packs stop being a
 * geometric progression (past GEOMETRIC_MIN_PACKS): a run then merges only
 * the small packs (amortised a few objects per push), which keeps about
 * max(log2(pushes), GEOMETRIC_MIN_PACKS + 1) packs at any time
 * instead of the up to gc.autoPackLimit that git's test alone allows.
 */
export async function autoMaintenanceNeeded(objectsDir: string, config: GitConfig, afterPush = true): Promise<AutoVerdict> {
  const none: AutoVerdict = { needed: false, tooManyLoose: false, tooManyPacks: false, notGeometric: false, packs: 0 };
  if (afterPush && !config.getBool('receive.autogc', true)) return none;
  const auto = config.getInt('gc.auto', GC_AUTO_DEFAULT);
  if (auto <= 0) return none;
  const packLimit = config.getInt('gc.autoPackLimit', GC_AUTO_PACK_LIMIT_DEFAULT);
  const sample = (await readdir(join(objectsDir, '17')).catch(() => [] as string[])).filter((name) => /^[0-9a-f]+$/.test(name));
  const tooManyLoose = sample.length > Math.ceil(auto / 256);
  const indexes = await unkeptIndexes(join(objectsDir, 'pack'));
  const packs = indexes.length;
  const tooManyPacks = packLimit > 0 && packs > packLimit;
  let notGeometric = false;
  if (!tooManyPacks && !tooManyLoose && packs > GEOMETRIC_MIN_PACKS && config.getBool('pushgate.geometricRepack', true)) {
    const counts = await Promise.all(indexes.map(async (path) => ({ objectCount: (await indexObjectCount(path)) ?? 0 })));
    notGeometric = geometricRollup(counts).length > 1;
  }
  const needed = tooManyLoose || tooManyPacks || notGeometric;
  return { needed, tooManyLoose, tooManyPacks, notGeometric, packs };
}
