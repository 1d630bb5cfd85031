import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { objectTypeFromCode, PACK_TYPE, type GitObject, type ObjectType } from '../objects/object-type.js';
import { GeneratorPack } from '../pack/pack-generator-source.js';
import { collectAlternates } from '../repo/alternates.js';
import type { Repository } from '../repo/types.js';

export interface ObjectLocation {
  pack: GeneratorPack;
  /** Position of `pack` in the search order (newest first). */
  packNumber: number;
  offset: number;
}

/**
 * The objects as upload-pack sees them: the repository's packs (and its
 * alternates') opened for fast synchronous reads and byte reuse, with the
 * repository's own object database behind them for loose objects and packs
 * that appear while the fetch runs.
 */
export class UploadObjects {
  private constructor(
    private readonly repo: Repository,
    readonly packs: readonly GeneratorPack[],
  ) {}

  static async open(repo: Repository): Promise<UploadObjects> {
    const objectsDir = join(repo.gitDir, 'objects');
    const packPaths: { path: string; mtime: number; local: boolean }[] = [];
    for (const [n, dir] of [objectsDir, ...(await collectAlternates(objectsDir))].entries()) {
      packPaths.push(...(await listPacks(join(dir, 'pack'))).map((p) => ({ ...p, local: n === 0 })));
    }
    // git's order: local packs first, then the most recently modified.
    packPaths.sort((a, b) => Number(b.local) - Number(a.local) || b.mtime - a.mtime);
    const packs: GeneratorPack[] = [];
    for (const { path } of packPaths) {
      try {
        packs.push(await GeneratorPack.open(path, repo.algo));
      } catch (error) {
        // A pack removed by a concurrent repack: its objects are elsewhere by now.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          for (const pack of packs) pack.close();
          throw error;
        }
      }
    }
    return new UploadObjects(repo, packs);
  }

  get algo() {
    return this.repo.algo;
  }

  /** Where `oid` is stored in a pack, if it is. */
  locate(oid: string): ObjectLocation | undefined {
    for (let n = 0; n < this.packs.length; n++) {
      const offset = this.packs[n]!.find(oid);
      if (offset >= 0) return { pack: this.packs[n]!, packNumber: n, offset };
    }
    return undefined;
  }

  async has(oid: string): Promise<boolean> {
    return this.locate(oid) !== undefined || (await this.repo.objects.has(oid));
  }

  async read(oid: string): Promise<GitObject | null> {
    const at = this.locate(oid);
    if (!at) return this.repo.objects.read(oid);
    const { typeCode, data } = at.pack.readAt(at.offset);
    return { type: objectTypeFromCode(typeCode)!, data };
  }

  /** The object's type without inflating it when it is packed. */
  async type(oid: string): Promise<ObjectType | null> {
    const at = this.locate(oid);
    if (!at) return (await this.repo.objects.info(oid))?.type ?? null;
    let entry = at.pack.entryAt(at.offset);
    for (let depth = 0; entry.typeCode >= PACK_TYPE.ofsDelta && entry.baseOffset >= 0 && depth < 10_000; depth++) {
      entry = at.pack.entryAt(entry.baseOffset);
    }
    const type = objectTypeFromCode(entry.typeCode);
    if (type) return type;
    return (await this.read(oid))?.type ?? null;
  }

  close(): void {
    for (const pack of this.packs) pack.close();
  }
}

async function listPacks(packDir: string): Promise<{ path: string; mtime: number }[]> {
  let names: string[];
  try {
    names = await readdir(packDir);
  } catch {
    return [];
  }
  const all = new Set(names);
  const result: { path: string; mtime: number }[] = [];
  for (const name of names) {
    if (!name.endsWith('.idx') || !all.has(name.slice(0, -4) + '.pack')) continue;
    const path = join(packDir, name.slice(0, -4) + '.pack');
    try {
      result.push({ path, mtime: (await stat(path)).mtimeMs });
    } catch {
      // gone since readdir
    }
  }
  return result;
}
