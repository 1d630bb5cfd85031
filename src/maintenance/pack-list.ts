import { open, readFile, readdir, stat } from 'node:fs/promises';
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

/** The idx paths of complete packs without a `.keep` in `packDir`: one readdir, for the check after every push. */
export async function unkeptIndexes(packDir: string): Promise<string[]> {
  const names = await readdir(packDir).catch(() => [] as string[]);
  const all = new Set(names);
  const found: string[] = [];
  for (const name of names) {
    if (!name.startsWith('pack-') || !name.endsWith('.idx')) continue;
    const base = name.slice(0, -4);
    if (all.has(`${base}.pack`) && !all.has(`${base}.keep`)) found.push(join(packDir, name));
  }
  return found;
}

/** The object count of a .idx v2 from its last fan-out entry (8 + 255 × 4 bytes in), without reading the rest. */
export async function indexObjectCount(idxPath: string): Promise<number | undefined> {
  const handle = await open(idxPath, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 8 + 255 * 4);
    return bytesRead === 4 ? buf.readUInt32BE(0) : undefined;
  } finally {
    await handle.close();
  }
}
