import { readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { HashAlgorithm } from '../objects/oid.js';
import { GeneratorPack } from '../pack/index.js';
import { fsyncDirectory, isErrno } from '../repo/fs-durable.js';
import { LooseObjectStore } from '../repo/loose-objects.js';
import { geometricRollup } from './geometric.js';
import { listPacks, type PackInfo } from './pack-list.js';
import { writePackFiles } from './pack-file-writer.js';
import { planRepack } from './repack-plan.js';

export interface RepackOptions {
  /**
   * `geometric`: as `git repack -d --geometric=<factor>`, roll the small packs
   * (and the loose objects) into one and keep the big ones. `full`: as
   * `git repack -a -d`, every pack but `.keep` ones into one.
   */
  mode: 'geometric' | 'full';
  factor?: number;
  progress?: (message: string) => void;
}

export interface RepackResult {
  packsBefore: number;
  packsAfter: number;
  /** Packs rewritten into the new one (removed, unless the new one has the same name). */
  rolledUp: number;
  looseObjects: number;
  /** Objects in the new pack; 0 when nothing needed doing. */
  objects: number;
  newPack?: string;
}

/**
 * Repacks `objectsDir` without git. Nothing is ever dropped: the new pack
 * holds every object of the packs it replaces and every loose object (no
 * pruning of unreachable objects). Old packs are removed only after the new
 * one is durable and visible, .idx first so that new readers stop choosing
 * them; readers that have one open keep reading the unlinked file, and those
 * that listed it too late retry on the new pack list (object-directory.ts,
 * upload's object-access.ts).
 */
export async function repackObjects(objectsDir: string, algo: HashAlgorithm, options: RepackOptions): Promise<RepackResult> {
  const packDir = join(objectsDir, 'pack');
  const say = options.progress ?? (() => undefined);
  const packs = await listPacks(packDir, algo);
  const loose = new LooseObjectStore(objectsDir, algo);
  const looseOids: string[] = [];
  for await (const oid of loose.oids()) looseOids.push(oid);
  const candidates = packs.filter((pack) => !pack.keep);
  const chosen = options.mode === 'full' ? candidates : geometricRollup(candidates, options.factor ?? 2);
  const result: RepackResult = {
    packsBefore: packs.length,
    packsAfter: packs.length,
    rolledUp: 0,
    looseObjects: looseOids.length,
    objects: 0,
  };
  // A full repack rewrites even a single pack (as git repack -a -d); a geometric one needs two to merge.
  const least = options.mode === 'full' ? 1 : 2;
  if (chosen.length < least && looseOids.length === 0) return result;

  // Biggest first: most objects keep the position (and delta base) they had.
  chosen.sort((a, b) => b.objectCount - a.objectCount || a.base.localeCompare(b.base));
  const opened: GeneratorPack[] = [];
  const others: GeneratorPack[] = [];
  try {
    for (const info of chosen) opened.push(await GeneratorPack.open(info.path, algo));
    for (const info of packs.filter((pack) => !chosen.includes(pack))) others.push(await GeneratorPack.open(info.path, algo));
    // Loose objects some pack already has are only removed (git's prune-packed), not packed again.
    const inPacks = (oid: string) => [...opened, ...others].some((pack) => pack.find(oid) >= 0);
    const looseToPack = looseOids.filter((oid) => !inPacks(oid));
    if (chosen.length < least && looseToPack.length === 0) {
      await removeLoose(objectsDir, loose, looseOids);
      return result;
    }
    const entries = planRepack(opened, loose, looseToPack);
    say(`repacking ${chosen.length} pack(s) and ${looseToPack.length} loose object(s): ${entries.length} objects`);
    const written = await writePackFiles(packDir, algo, entries);
    result.objects = written.objectCount;
    result.newPack = written.base;
    for (const pack of [...opened, ...others]) pack.close();
    opened.length = 0;
    others.length = 0;
    result.rolledUp = await removePacks(
      packDir,
      chosen.filter((pack) => pack.base !== written.base),
    );
    await removeLoose(objectsDir, loose, looseOids);
    result.packsAfter = (await readdir(packDir)).filter((name) => name.startsWith('pack-') && name.endsWith('.idx')).length;
    say(`wrote ${written.base}.pack (${written.objectCount} objects, ${written.bytes} bytes); ${result.packsAfter} pack(s) now`);
    return result;
  } finally {
    for (const pack of [...opened, ...others]) pack.close();
  }
}

/** git's unlink_pack_path order: the .idx first (readers list packs by it), then the pack and its companions. */
async function removePacks(packDir: string, packs: PackInfo[]): Promise<number> {
  for (const pack of packs) {
    for (const ext of ['.idx', '.pack', '.rev', '.bitmap', '.mtimes', '.promisor']) {
      await unlink(join(packDir, pack.base + ext)).catch((error) => {
        if (!isErrno(error, 'ENOENT')) throw error;
      });
    }
  }
  if (packs.length > 0) await fsyncDirectory(packDir);
  return packs.length;
}

/** Removes loose objects now in a pack, and the shard directories left empty. */
async function removeLoose(objectsDir: string, loose: LooseObjectStore, oids: string[]): Promise<void> {
  const shards = new Set<string>();
  for (const oid of oids) {
    await unlink(loose.pathOf(oid)).catch((error) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
    shards.add(oid.slice(0, 2));
  }
  for (const shard of shards) {
    const dir = join(objectsDir, shard);
    const left = await readdir(dir).catch(() => ['?']);
    if (left.length === 0) await rmdir(dir).catch(() => undefined);
  }
}
