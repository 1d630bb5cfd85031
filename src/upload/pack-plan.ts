import { ObjectError } from '../errors.js';
import { PACK_TYPE } from '../objects/object-type.js';
import type { GeneratorEntry } from '../pack/pack-generator.js';
import type { ObjectLocation, UploadObjects } from './object-access.js';
import type { Pacer } from './pacer.js';

export interface PackStats {
  total: number;
  /** Entries written as deltas. */
  deltas: number;
  /** Entries whose stored bytes were copied. */
  reused: number;
  reusedDeltas: number;
}

export interface PackPlan {
  count: number;
  stats: PackStats;
  /** The entries in write order; decided one by one as the pack is written. */
  entries(): Iterable<GeneratorEntry>;
}

interface Placed {
  oid: string;
  at: ObjectLocation;
}

/**
 * Decides where each object comes from and in what order it is written:
 * packed objects in the order of their packs (so a clone of a repacked
 * repository is close to a copy of its pack, and every OFS_DELTA base comes
 * before its delta), then loose ones. A stored delta is reused when its base
 * is sent from the same pack (no cycles can form), or when the client has the
 * base and asked for a thin pack; otherwise the object is sent whole.
 */
export async function planPack(
  objects: UploadObjects,
  list: readonly string[],
  clientHas: ReadonlySet<string>,
  options: { thin: boolean; pacer?: Pacer; counter?: { count: number } },
): Promise<PackPlan> {
  const placed: Placed[] = [];
  const loose: string[] = [];
  const packOf = new Map<string, number>();
  for (const oid of list) {
    const at = objects.locate(oid);
    if (at) {
      placed.push({ oid, at });
      packOf.set(oid, at.packNumber);
    } else {
      loose.push(oid);
      packOf.set(oid, -1);
    }
    if (options.counter) options.counter.count++;
    await options.pacer?.step();
  }
  placed.sort((a, b) => a.at.packNumber - b.at.packNumber || a.at.offset - b.at.offset);
  const stats: PackStats = { total: list.length, deltas: 0, reused: 0, reusedDeltas: 0 };
  const load = async (oid: string) => {
    const object = await objects.read(oid);
    if (!object) throw new ObjectError('E_MISSING_OBJECT', `missing object ${oid}`);
    return object;
  };

  function* entries(): Generator<GeneratorEntry> {
    for (const { oid, at } of placed) {
      const entry = at.pack.entryAt(at.offset);
      if (entry.typeCode < PACK_TYPE.ofsDelta) {
        stats.reused++;
        yield { kind: 'copy', oid, pack: at.pack, entry };
        continue;
      }
      const base = entry.baseOid!;
      const sameHome = entry.baseOffset >= 0 && packOf.get(base) === at.packNumber;
      if (sameHome || (options.thin && clientHas.has(base))) {
        stats.reused++;
        stats.reusedDeltas++;
        stats.deltas++;
        yield { kind: 'copy', oid, pack: at.pack, entry };
      } else {
        yield { kind: 'fresh', oid, load: () => load(oid) };
      }
    }
    for (const oid of loose) yield { kind: 'fresh', oid, load: () => load(oid) };
  }

  return { count: list.length, stats, entries };
}
