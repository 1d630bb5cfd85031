import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitObject, ObjectType } from '../objects/object-type.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { isErrno } from './fs-durable.js';
import { LooseObjectStore } from './loose-objects.js';
import type { PackOpener, PackedObjectSource } from './pack-source.js';

/**
 * One objects directory (a repository's, a quarantine's or an alternate's):
 * its loose objects and every pack in `pack/` that has an `.idx`.
 */
export class ObjectDirectory {
  readonly loose: LooseObjectStore;
  readonly packDir: string;
  private packs = new Map<string, PackedObjectSource>();
  private scannedStamp = -1;
  private scanning: Promise<boolean> | undefined;

  constructor(
    readonly path: string,
    readonly algo: HashAlgorithm,
    private readonly openPack: PackOpener,
  ) {
    this.loose = new LooseObjectStore(path, algo);
    this.packDir = join(path, 'pack');
  }

  get packSources(): PackedObjectSource[] {
    return [...this.packs.values()];
  }

  /** The pack holding oid, from the in-memory indexes (no I/O). */
  packFor(oid: string): PackedObjectSource | undefined {
    for (const pack of this.packs.values()) if (pack.has(oid)) return pack;
    return undefined;
  }

  async has(oid: string): Promise<boolean> {
    return this.packFor(oid) !== undefined || (await this.loose.has(oid));
  }

  async read(oid: string): Promise<GitObject | null> {
    const pack = this.packFor(oid);
    if (pack) {
      const object = await pack.read(oid);
      if (object) return object;
    }
    return this.loose.read(oid);
  }

  async info(oid: string): Promise<{ type: ObjectType; size: number } | null> {
    const pack = this.packFor(oid);
    if (pack) {
      const info = await pack.info(oid);
      if (info) return info;
    }
    return this.loose.info(oid);
  }

  /**
   * Open packs that appeared and drop ones that went away. Cheap when nothing
   * changed (one stat of pack/). Returns whether the set of packs changed.
   */
  async scanPacks(force = false): Promise<boolean> {
    if (!this.scanning) {
      this.scanning = this.doScan(force).finally(() => {
        this.scanning = undefined;
      });
    }
    return this.scanning;
  }

  private async doScan(force: boolean): Promise<boolean> {
    let stamp: number;
    try {
      stamp = (await stat(this.packDir)).mtimeMs;
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
      throw error;
    }
    if (!force && stamp === this.scannedStamp) return false;
    this.scannedStamp = stamp;
    const names = new Set(await readdir(this.packDir));
    const wanted = [...names]
      .filter((name) => name.endsWith('.idx') && names.has(name.slice(0, -4) + '.pack'))
      .map((name) => join(this.packDir, name.slice(0, -4) + '.pack'));
    let changed = false;
    const next = new Map<string, PackedObjectSource>();
    for (const packPath of wanted.sort()) {
      const existing = this.packs.get(packPath);
      if (existing) {
        next.set(packPath, existing);
        continue;
      }
      try {
        next.set(packPath, await this.openPack(packPath, this.algo));
        changed = true;
      } catch (error) {
        // A pack being written or removed right now: pick it up on a later scan.
        if (!isErrno(error, 'ENOENT')) throw error;
      }
    }
    for (const [packPath, pack] of this.packs) {
      if (!next.has(packPath)) {
        changed = true;
        await pack.close();
      }
    }
    this.packs = next;
    return changed;
  }

  async close(): Promise<void> {
    const packs = [...this.packs.values()];
    this.packs = new Map();
    this.scannedStamp = -1;
    await Promise.all(packs.map((pack) => pack.close()));
  }
}
