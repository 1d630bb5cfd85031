import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitConfig } from '../repo/types.js';
import { countUnkeptPacks } from './pack-list.js';

/** git's defaults (builtin/gc.c). */
export const GC_AUTO_DEFAULT = 6700;
export const GC_AUTO_PACK_LIMIT_DEFAULT = 50;

export interface AutoVerdict {
  /** Whether `git gc --auto` would run here. */
  needed: boolean;
  tooManyLoose: boolean;
  tooManyPacks: boolean;
  packs: number;
}

/**
 * `git gc --auto`'s test, after a push as receive-pack does it: nothing
 * with `receive.autogc = false` or `gc.auto = 0`; otherwise too many loose
 * objects (objects/17/ holds more than gc.auto/256 of them: git samples one
 * shard) or more than gc.autoPackLimit packs without a `.keep`.
 */
export async function autoMaintenanceNeeded(
  objectsDir: string,
  config: GitConfig,
  afterPush = true,
): Promise<AutoVerdict> {
  const none: AutoVerdict = { needed: false, tooManyLoose: false, tooManyPacks: false, packs: 0 };
  if (afterPush && !config.getBool('receive.autogc', true)) return none;
  const auto = config.getInt('gc.auto', GC_AUTO_DEFAULT);
  if (auto <= 0) return none;
  const packLimit = config.getInt('gc.autoPackLimit', GC_AUTO_PACK_LIMIT_DEFAULT);
  const sample = (await readdir(join(objectsDir, '17')).catch(() => [] as string[])).filter((name) => /^[0-9a-f]+$/.test(name));
  const tooManyLoose = sample.length > Math.ceil(auto / 256);
  const packs = await countUnkeptPacks(join(objectsDir, 'pack'));
  const tooManyPacks = packLimit > 0 && packs > packLimit;
  return { needed: tooManyLoose || tooManyPacks, tooManyLoose, tooManyPacks, packs };
}
