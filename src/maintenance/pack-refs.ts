import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectReader } from '../objects/object-reader.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { peel } from '../repo/graph.js';
import { fsyncDirectory, isErrno } from '../repo/fs-durable.js';
import { listLooseRefNames, readLooseRef } from '../repo/refs/loose-refs.js';
import { acquirePackedRefsLock } from '../repo/refs/packed-refs-edit.js';
import { formatPackedRefs, PackedRefsReader, type PackedRef } from '../repo/refs/packed-refs.js';
import { RefLock, pruneEmptyParents } from '../repo/refs/ref-lock.js';

export interface PackRefsOptions {
  /**
   * Loose refs written less than this long ago are left loose: pruning one
   * takes its lock for a moment, and a push to that ref at that moment would
   * be refused for the lock (git's pack-refs has the same window). 0 packs all.
   */
  minAgeMs?: number;
}

export interface PackRefsResult {
  packed: number;
  pruned: number;
  /** packed-refs.lock was held by someone else for longer than git waits. */
  busy: boolean;
}

/**
 * `git pack-refs --all --prune`: every loose ref that resolves to an object
 * goes into packed-refs (annotated tags with their peeled value, the file
 * "fully-peeled" and sorted), then each loose file is removed under its own
 * ref lock if it still holds the packed value. All under packed-refs.lock,
 * which ref deletions take too, so a deletion cannot slip between reading a
 * loose ref and packing it (ref-transaction.ts).
 */
export async function packRefs(
  gitDir: string,
  algo: HashAlgorithm,
  objects: ObjectReader,
  options: PackRefsOptions = {},
): Promise<PackRefsResult> {
  const lock = await acquirePackedRefsLock(gitDir, 'packed-refs');
  if (!(lock instanceof RefLock)) return { packed: 0, pruned: 0, busy: true };
  const toPrune = new Map<string, string>();
  try {
    const current = await new PackedRefsReader(gitDir).read();
    const refs = new Map<string, PackedRef>(current.refs);
    const now = Date.now();
    for (const name of await listLooseRefNames(gitDir, 'refs/')) {
      const value = await readLooseRef(gitDir, name, algo);
      if (value?.kind !== 'oid' || !(await objects.has(value.oid))) continue;
      if (options.minAgeMs && now - (await mtimeOf(join(gitDir, name))) < options.minAgeMs) continue;
      refs.set(name, { oid: value.oid });
      toPrune.set(name, value.oid);
    }
    if (toPrune.size === 0) {
      await lock.release();
      return { packed: 0, pruned: 0, busy: false };
    }
    // Every entry is peeled afresh, so that the "fully-peeled" promise holds for all of them.
    for (const ref of refs.values()) {
      delete ref.peeled;
      if ((await objects.info(ref.oid))?.type !== 'tag') continue;
      const target = await peel(objects, ref.oid);
      if (target) ref.peeled = target.oid;
    }
    const copies = new Map([...refs].map(([name, ref]) => [name, { ...ref }]));
    await lock.write(formatPackedRefs({ traits: ['peeled', 'fully-peeled'], refs: copies }));
    await lock.commit();
    await fsyncDirectory(gitDir);
  } catch (error) {
    await lock.release().catch(() => undefined);
    throw error;
  }
  let pruned = 0;
  for (const [name, oid] of toPrune) if (await pruneLooseRef(gitDir, name, oid, algo)) pruned++;
  return { packed: toPrune.size, pruned, busy: false };
}

/** Removes a loose ref that still holds `oid` (now packed); a ref someone holds the lock of is left alone. */
async function pruneLooseRef(gitDir: string, name: string, oid: string, algo: HashAlgorithm): Promise<boolean> {
  const lock = await RefLock.acquire(gitDir, name);
  if (!(lock instanceof RefLock)) return false;
  let removed = false;
  try {
    const value = await readLooseRef(gitDir, name, algo);
    if (value?.kind === 'oid' && value.oid === oid) {
      await unlink(join(gitDir, name)).catch((error) => {
        if (!isErrno(error, 'ENOENT')) throw error;
      });
      removed = true;
    }
  } finally {
    await lock.release();
  }
  await pruneEmptyParents(gitDir, name);
  return removed;
}

async function mtimeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}
