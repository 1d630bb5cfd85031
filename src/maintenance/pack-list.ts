import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PackIndex } from '../pack/index.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { isErrno } from '../repo/fs-durable.js';

/** One pack in objects/pack/ as maintenance sees it. */
export interface PackInfo {
  /** Path of the .pack file. */
  path: string;
  /** "pack-<hash>": the name its .idx, .keep, .rev … share. */
  base: string;
  objectCount: number;
  bytes: number;
  mtimeMs: number;
  /** A `.keep` beside it: maintenance never touches the pack. */
  keep: boolean;
}

/**
 * Every complete pack (a .pack with its .idx) in `packDir`. Packs that vanish
 * while being listed (another repack) are left out.
 */
export async function listPacks(packDir: string, algo: HashAlgorithm): Promise<PackInfo[]> {
  let names: string[];
  try {
    names = await readdir(packDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const all = new Set(names);
  const packs: PackInfo[] = [];
  for (const name of names.sort()) {
    if (!name.startsWith('pack-') || !name.endsWith('.idx')) continue;
    const base = name.slice(0, -4);
    if (!all.has(`${base}.pack`)) continue;
    const path = join(packDir, `${base}.pack`);
    try {
      const info = await stat(path);
      const index = new PackIndex(await readFile(join(packDir, name)), algo);
      packs.push({
        path,
        base,
        objectCount: index.objectCount,
        bytes: info.size,
        mtimeMs: info.mtimeMs,
        keep: all.has(`${base}.keep`),
      });
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  }
  return packs;
}

/** How many complete packs without a `.keep` are in `packDir`: one readdir, for the check after every push. */
export async function countUnkeptPacks(packDir: string): Promise<number> {
  const names = await readdir(packDir).catch(() => [] as string[]);
  const all = new Set(names);
  let count = 0;
  for (const name of names) {
    if (!name.startsWith('pack-') || !name.endsWith('.idx')) continue;
    const base = name.slice(0, -4);
    if (all.has(`${base}.pack`) && !all.has(`${base}.keep`)) count++;
  }
  return count;
}
