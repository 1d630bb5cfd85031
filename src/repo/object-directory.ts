import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitObject, ObjectType } from '../objects/object-type.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { isErrno } from './fs-durable.js';
import { LooseObjectStore } from './loose-objects.js';
import type { PackOpener, PackedObjectSource } from './pack-source.js';

/** How long a pack that left pack/ stays open for reads already under way. */
const RETIRED_PACK_CLOSE_MS = 60_000;

/**
 * One objects directory (a repository's, a quarantine's or an alternate's):
 * its loose objects and every pack in `pack/` that has an `.idx`.
 */
export class ObjectDirectory {
  readonly loose: LooseObjectStore;
  readonly packDir: string;
  private packs = new Map<string, PackedObjectSource>();
  private readonly retired = new Set<PackedObjectSource>();
  private scannedStamp = -1;
  private scanning: Promise<boolean> | undefined;
  /** Bumped whenever the set of open packs changes: a reader that missed can tell whether a retry may find more. */
  generation = 0;

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
    // Scans run one after another, each from a fresh readdir: joining a scan that
    // started before a repack renamed its pack in would miss that pack.
    const previous = this.scanning ?? Promise.resolve(false);
    const run = previous.catch(() => false).then(() => this.doScan(force));
    this.scanning = run;
    void run
      .finally(() => {
        if (this.scanning === run) this.scanning = undefined;
      })
      .catch(() => undefined);
    return run;
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
        // A pack removed by a repack right now (its objects are in the pack that
        // replaced it), or one being written: the next scan must look again.
        if (!isErrno(error, 'ENOENT')) throw error;
        this.scannedStamp = -1;
      }
    }
    for (const [packPath, pack] of this.packs) {
      if (!next.has(packPath)) {
        changed = true;
        this.retire(pack);
      }
    }
    this.packs = next;
    if (changed) this.generation++;
    return changed;
  }

  /**
   * A pack that went away (a repack replaced it) may still be in the middle of
   * a read for another caller: its descriptor keeps the unlinked file
   * readable, so it is closed a while later rather than under that read.
   */
  private retire(pack: PackedObjectSource): void {
    this.retired.add(pack);
    const timer = setTimeout(() => {
      if (this.retired.delete(pack)) void pack.close().catch(() => undefined);
    }, RETIRED_PACK_CLOSE_MS);
    timer.unref();
  }

  async close(): Promise<void> {
    const packs = [...this.packs.values(), ...this.retired];
    this.packs = new Map();
    this.retired.clear();
    this.scannedStamp = -1;
    await Promise.all(packs.map((pack) => pack.close()));
  }
}
