import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { SpilledContent } from '../objects/object-reader.js';
import { objectTypeFromCode, type GitObject, type ObjectType } from '../objects/object-type.js';
import { oidHexLength } from '../objects/oid.js';
import { GeneratorPack } from '../pack/index.js';
import { collectAlternates } from '../repo/alternates.js';
import type { Repository } from '../repo/types.js';

/**
 * A packed object as a number: pack number × 2^32 + position in that pack's
 * index. Walks keep marks and lists of these instead of hex strings.
 */
export type PackedRef = number;

const PACK_UNIT = 2 ** 32;

export function packNumberOf(ref: PackedRef): number {
  return Math.floor(ref / PACK_UNIT);
}

export function positionOf(ref: PackedRef): number {
  return ref % PACK_UNIT;
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
    // A repack may remove a listed pack before it is opened; its objects are in
    // a pack renamed in before, so a fresh listing finds them (git's reprepare).
    for (let attempt = 0; ; attempt++) {
      const opened = await UploadObjects.tryOpen(repo);
      if (opened.complete || attempt >= 4) return new UploadObjects(repo, opened.packs);
      for (const pack of opened.packs) pack.close();
    }
  }

  private static async tryOpen(repo: Repository): Promise<{ packs: GeneratorPack[]; complete: boolean }> {
    const objectsDir = join(repo.gitDir, 'objects');
    const packPaths: { path: string; mtime: number; local: boolean }[] = [];
    for (const [n, dir] of [objectsDir, ...(await collectAlternates(objectsDir))].entries()) {
      packPaths.push(...(await listPacks(join(dir, 'pack'))).map((p) => ({ ...p, local: n === 0 })));
    }
    // git's order: local packs first, then the most recently modified.
    packPaths.sort((a, b) => Number(b.local) - Number(a.local) || b.mtime - a.mtime);
    const packs: GeneratorPack[] = [];
    let complete = true;
    for (const { path } of packPaths) {
      try {
        packs.push(await GeneratorPack.open(path, repo.algo));
      } catch (error) {
        // A pack removed by a concurrent repack: its objects are elsewhere by now.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          for (const pack of packs) pack.close();
          throw error;
        }
        complete = false;
      }
    }
    return { packs, complete };
  }

  get algo() {
    return this.repo.algo;
  }

  /** The packed object whose raw id is at bytes[at…], or -1 when no pack has it. */
  lookupRaw(bytes: Buffer, at = 0): PackedRef {
    for (let n = 0; n < this.packs.length; n++) {
      const position = this.packs[n]!.findRaw(bytes, at);
      if (position >= 0) return n * PACK_UNIT + position;
    }
    return -1;
  }

  /** The packed object `oid`, or -1 when no pack has it. */
  lookup(oid: string): PackedRef {
    return oid.length === oidHexLength(this.repo.algo) ? this.lookupRaw(Buffer.from(oid, 'hex')) : -1;
  }

  packOf(ref: PackedRef): GeneratorPack {
    return this.packs[packNumberOf(ref)]!;
  }

  offsetOf(ref: PackedRef): number {
    return this.packOf(ref).offsetAt(positionOf(ref));
  }

  hexOf(ref: PackedRef): string {
    return this.packOf(ref).oidAt(positionOf(ref));
  }

  readPacked(ref: PackedRef): GitObject {
    const { typeCode, data } = this.packOf(ref).readAt(this.offsetOf(ref));
    return { type: objectTypeFromCode(typeCode)!, data };
  }

  /** An object without holding it whole when big: a buffer, or a spill file (in the temp dir) the caller closes. */
  async readLarge(id: PackedRef | string): Promise<{ type: ObjectType; content: Buffer | SpilledContent } | null> {
    if (typeof id !== 'string') return this.packOf(id).readLarge(this.offsetOf(id), tmpdir());
    const ref = this.lookup(id);
    if (ref >= 0) return this.readLarge(ref);
    return this.repo.objects.readLarge
      ? this.repo.objects.readLarge(id, tmpdir())
      : this.repo.objects.read(id).then((o) => o && { type: o.type, content: o.data });
  }

  /** An object's size, without building it. */
  async sizeOf(id: PackedRef | string): Promise<number | null> {
    if (typeof id !== 'string') return this.packOf(id).sizeAt(this.offsetOf(id));
    const ref = this.lookup(id);
    return ref >= 0 ? this.sizeOf(ref) : ((await this.repo.objects.info(id))?.size ?? null);
  }

  typeOfPacked(ref: PackedRef): ObjectType {
    return objectTypeFromCode(this.packOf(ref).typeAt(this.offsetOf(ref)))!;
  }

  async has(oid: string): Promise<boolean> {
    return this.lookup(oid) >= 0 || (await this.repo.objects.has(oid));
  }

  async read(oid: string): Promise<GitObject | null> {
    const ref = this.lookup(oid);
    return ref >= 0 ? this.readPacked(ref) : this.repo.objects.read(oid);
  }

  /** The object's type, without inflating it when it is packed. */
  async type(oid: string): Promise<ObjectType | null> {
    const ref = this.lookup(oid);
    return ref >= 0 ? this.typeOfPacked(ref) : ((await this.repo.objects.info(oid))?.type ?? null);
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
