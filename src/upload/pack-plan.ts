import { ObjectError } from '../errors.js';
import { PACK_TYPE, type GitObject } from '../objects/object-type.js';
import type { GeneratorEntry } from '../pack/pack-generator.js';
import type { UploadObjects } from './object-access.js';
import { CLIENT_HAS, SENT, type ObjectId, type ObjectMarks } from './object-marks.js';
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
  /** The entries in write order, each decided as the pack is written. */
  entries(): Iterable<GeneratorEntry>;
}

/** Sort key of a packed object: pack number × 2^40 + offset (packs below 2^40 bytes, fewer than 2^13 packs). */
const PACK_SPAN = 2 ** 40;
const REF_UNIT = 2 ** 32;

/**
 * Decides where each object comes from and in what order it is written:
 * packed objects in the order of their packs (so a clone of a repacked
 * repository is close to a copy of its pack, and every OFS_DELTA base comes
 * before its delta), then loose ones. A stored delta is reused when its base
 * is sent from the same pack (so no cycle can form), or when the client has
 * the base and asked for a thin pack; otherwise the object is sent whole.
 */
export async function planPack(
  objects: UploadObjects,
  list: readonly ObjectId[],
  marks: ObjectMarks,
  options: { thin: boolean; pacer?: Pacer; counter?: { count: number } },
): Promise<PackPlan> {
  const loose: string[] = [];
  const order = new Float64Array(list.length);
  let packed = 0;
  for (const id of list) {
    if (typeof id === 'string') loose.push(id);
    else {
      const pack = Math.floor(id / REF_UNIT);
      if (pack >= 2 ** 13) throw new ObjectError('E_TOO_MANY_PACKS', 'too many packs to serve a fetch from; repack the repository');
      order[packed++] = pack * PACK_SPAN + objects.offsetOf(id);
    }
    if (options.counter) options.counter.count++;
    await options.pacer?.step();
  }
  const sorted = order.subarray(0, packed).sort();
  const stats: PackStats = { total: list.length, deltas: 0, reused: 0, reusedDeltas: 0 };
  const load = async (id: ObjectId): Promise<GitObject> => {
    const object = await marks.read(id);
    if (!object) throw new ObjectError('E_MISSING_OBJECT', `missing object ${marks.hexOf(id)}`);
    return object;
  };

  function* entries(): Generator<GeneratorEntry> {
    for (const key of sorted) {
      const n = Math.floor(key / PACK_SPAN);
      const offset = key % PACK_SPAN;
      const pack = objects.packs[n]!;
      const position = pack.positionAt(offset);
      const ref = n * REF_UNIT + position;
      const entry = pack.entryAt(offset);
      const loadThis = () => load(ref);
      if (entry.typeCode < PACK_TYPE.ofsDelta) {
        stats.reused++;
        yield { kind: 'copy', key: ref, pack, position, entry, load: loadThis };
        continue;
      }
      const basePosition = entry.baseOffset >= 0 ? pack.positionAt(entry.baseOffset) : -1;
      if (basePosition >= 0 && marks.getAt(n, basePosition) & SENT) {
        stats.reused++;
        stats.reusedDeltas++;
        stats.deltas++;
        yield { kind: 'copy', key: ref, pack, position, entry, baseKey: n * REF_UNIT + basePosition, load: loadThis };
      } else if (options.thin && marks.get(marks.idOf(pack.baseOid(entry))) & CLIENT_HAS) {
        stats.reused++;
        stats.reusedDeltas++;
        stats.deltas++;
        yield { kind: 'copy', key: ref, pack, position, entry, load: loadThis };
      } else {
        yield { kind: 'fresh', key: ref, load: loadThis };
      }
    }
    for (const oid of loose) yield { kind: 'fresh', key: oid, load: () => load(oid) };
  }

  return { count: list.length, stats, entries };
}
