import type { SpilledContent } from '../objects/object-reader.js';
import type { GitObject, ObjectType } from '../objects/object-type.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { collectAlternates } from './alternates.js';
import { ObjectCache } from './object-cache.js';
import { ObjectDirectory } from './object-directory.js';
import { openPackSource } from './pack-opener.js';
import type { PackOpener } from './pack-source.js';
import type { ObjectDatabase } from './types.js';

/**
 * Objects seen through a stack of objects directories: the first is where
 * writes go (the repository's, or a quarantine's), then the repository's if
 * layered, then alternates. Reads try in-memory pack indexes first, then
 * loose files; on a miss, packs that appeared since are picked up once.
 */
export class LayeredObjectDatabase implements ObjectDatabase {
  private readonly cache = new ObjectCache();

  constructor(
    readonly algo: HashAlgorithm,
    /** Writable directory first. */
    readonly directories: readonly ObjectDirectory[],
  ) {}

  get primary(): ObjectDirectory {
    return this.directories[0]!;
  }

  async has(oid: string): Promise<boolean> {
    if (this.cache.get(oid)) return true;
    const seen = this.generation();
    if (await this.hasWithoutRescan(oid)) return true;
    return (await this.rescanChanged(seen)) && this.hasWithoutRescan(oid);
  }

  private async hasWithoutRescan(oid: string): Promise<boolean> {
    for (const dir of this.directories) if (dir.packFor(oid)) return true;
    for (const dir of this.directories) if (await dir.loose.has(oid)) return true;
    return false;
  }

  async read(oid: string): Promise<GitObject | null> {
    const cached = this.cache.get(oid);
    if (cached) return cached;
    const seen = this.generation();
    let object = await this.readWithoutRescan(oid);
    if (!object && (await this.rescanChanged(seen))) object = await this.readWithoutRescan(oid);
    if (object) this.cache.set(oid, object);
    return object;
  }

  private async readWithoutRescan(oid: string): Promise<GitObject | null> {
    for (const dir of this.directories) {
      const pack = dir.packFor(oid);
      if (pack) {
        const object = await pack.read(oid);
        if (object) return object;
      }
    }
    for (const dir of this.directories) {
      const object = await dir.loose.read(oid);
      if (object) return object;
    }
    return null;
  }

  /** See ObjectReader.readLarge: big objects, packed or loose, are built in pieces into a spill file. */
  async readLarge(oid: string, spillDir: string): Promise<{ type: ObjectType; content: Buffer | SpilledContent } | null> {
    await this.has(oid); // picks up packs that appeared since
    for (const dir of this.directories) {
      const pack = dir.packFor(oid);
      const large = pack?.readLarge ? await pack.readLarge(oid, spillDir) : null;
      if (large) return large;
    }
    for (const dir of this.directories) {
      const large = await dir.loose.readLarge(oid, spillDir);
      if (large) return large;
    }
    return null;
  }

  async info(oid: string): Promise<{ type: ObjectType; size: number } | null> {
    const cached = this.cache.get(oid);
    if (cached) return { type: cached.type, size: cached.data.length };
    const seen = this.generation();
    let info = await this.infoWithoutRescan(oid);
    if (!info && (await this.rescanChanged(seen))) info = await this.infoWithoutRescan(oid);
    return info;
  }

  private async infoWithoutRescan(oid: string): Promise<{ type: ObjectType; size: number } | null> {
    for (const dir of this.directories) {
      const pack = dir.packFor(oid);
      if (pack) {
        const info = await pack.info(oid);
        if (info) return info;
      }
    }
    for (const dir of this.directories) {
      const info = await dir.loose.info(oid);
      if (info) return info;
    }
    return null;
  }

  write(object: GitObject): Promise<string> {
    return this.primary.loose.write(object);
  }

  async refresh(): Promise<void> {
    for (const dir of this.directories) await dir.scanPacks(true);
  }

  /**
   * git's reprepare_packed_git: after a miss, look at pack/ again. True when
   * the pack set differs from the one the failed lookup started with (a
   * repack may have moved the object into a new pack and removed the old
   * pack or the loose file), counting scans other readers ran meanwhile.
   */
  private async rescanChanged(seen: number): Promise<boolean> {
    for (const dir of this.directories) await dir.scanPacks();
    return this.generation() !== seen;
  }

  private generation(): number {
    let sum = 0;
    for (const dir of this.directories) sum += dir.generation;
    return sum;
  }
}

/** The object database of a repository's objects directory plus its alternates. */
export async function openObjectDatabase(
  objectsDir: string,
  algo: HashAlgorithm,
  openPack: PackOpener = openPackSource,
): Promise<{ database: LayeredObjectDatabase; close(): Promise<void> }> {
  const paths = [objectsDir, ...(await collectAlternates(objectsDir))];
  const directories = paths.map((path) => new ObjectDirectory(path, algo, openPack));
  for (const dir of directories) await dir.scanPacks(true);
  return {
    database: new LayeredObjectDatabase(algo, directories),
    close: async () => {
      for (const dir of directories) await dir.close();
    },
  };
}
