import { ObjectError } from '../errors.js';
import { PACK_TYPE, type GitObject } from '../objects/object-type.js';
import {
  STREAM_THRESHOLD,
  type CopiedEntry,
  type DeltaBaseCandidate,
  type FreshEntry,
  type GeneratorEntry,
  type PackStats,
} from '../pack/index.js';
import type { UploadObjects } from './object-access.js';
import { CLIENT_HAS, SENT, type ObjectId, type ObjectMarks } from './object-marks.js';
import type { Pacer } from './pacer.js';
import { OBJECT_ERROR } from '../objects/object-errors.js';
import { UPLOAD_ERROR } from './upload-errors.js';

export interface PackPlan {
  count: number;
  /** Filled in by the generator as it writes. */
  stats: PackStats;
  /** The entries in write order, each decided as the pack is written. */
  entries(): Iterable<GeneratorEntry>;
}

/** Sort key of a packed object: pack number × 2^40 + offset (packs below 2^40 bytes, fewer than 2^13 packs). */
const PACK_SPAN = 2 ** 40;
const REF_UNIT = 2 ** 32;
/** How many members of a stored delta family to look at for a base, and how many bases to keep. */
const MAX_FAMILY = 64;
const MAX_CANDIDATES = 8;
/** Objects of one name kept as possible bases. */
const MAX_NAMESAKES = 4;

/**
 * Decides where each object comes from and in what order it is written:
 * packed objects in the order of their packs (so a clone of a repacked
 * repository is close to a copy of its pack, and every OFS_DELTA base comes
 * before its delta), then the objects that need new work, then loose ones.
 *
 * A stored delta is reused when its base is sent from the same pack (so no
 * cycle can form), or when the client has the base and asked for a thin
 * pack. Otherwise the object gets a new delta against a relative from its
 * stored delta family (up its chain, or one stored against it) that is sent
 * earlier or that the client has, or goes whole. For a thin pack, a stored
 * whole object (often the newest version of a file, in a repacked repository)
 * is also tried as a delta against an older version the client has.
 */
export async function planPack(
  objects: UploadObjects,
  list: readonly ObjectId[],
  marks: ObjectMarks,
  clientByName: ReadonlyMap<number, readonly ObjectId[]>,
  options: { thin: boolean; pacer?: Pacer; counter?: { count: number } },
): Promise<PackPlan> {
  const loose: string[] = [];
  const order = new Float64Array(list.length);
  let packed = 0;
  for (const id of list) {
    if (typeof id === 'string') loose.push(id);
    else {
      const pack = Math.floor(id / REF_UNIT);
      if (pack >= 2 ** 13)
        throw new ObjectError(UPLOAD_ERROR.tooManyPacks, 'too many packs to serve a fetch from; repack the repository');
      order[packed++] = pack * PACK_SPAN + objects.offsetOf(id);
    }
    if (options.counter) options.counter.count++;
    await options.pacer?.step();
  }
  const sorted = order.subarray(0, packed).sort();
  const stats: PackStats = { total: 0, deltas: 0, reused: 0, reusedDeltas: 0 };
  const load = async (id: ObjectId): Promise<GitObject> => {
    const object = await marks.read(id);
    if (!object) throw new ObjectError(OBJECT_ERROR.missingObject, `missing object ${marks.hexOf(id)}`);
    return object;
  };
  const thinBases = options.thin && marks.any(CLIENT_HAS);

  /** The object stored at `offset` of pack `n` as a delta base, when it is sent or (thin) the client has it. */
  const candidate = (n: number, offset: number, clientOnly: boolean): DeltaBaseCandidate | undefined => {
    const pack = objects.packs[n]!;
    const position = pack.positionAt(offset);
    if (position < 0) return undefined;
    let id: ObjectId = n * REF_UNIT + position;
    let flags = marks.getAt(n, position);
    // Marks sit on the first pack holding an object; look it up by id only when there are others.
    if (flags === 0 && objects.packs.length > 1) flags = marks.get((id = marks.idOf(pack.oidAt(position))));
    const clientHas = thinBases && (flags & CLIENT_HAS) !== 0;
    if (!clientHas && (clientOnly || !(flags & SENT))) return undefined;
    const key = id;
    return { key, oid: pack.oidAt(position), clientHas, load: () => load(key) };
  };
  /** Objects with the same name (and kind) as `id`: the client's (thin), then (unless clientOnly) others sent. */
  let sentByName: Map<number, ObjectId[]> | undefined;
  const namesakes = (id: ObjectId, clientOnly = false): DeltaBaseCandidate[] => {
    const key = marks.nameKey(id);
    if (key === undefined) return [];
    if (!sentByName && !clientOnly) {
      sentByName = new Map();
      for (const other of list) {
        const k = marks.nameKey(other);
        if (k === undefined) continue;
        const same = sentByName.get(k);
        if (!same) sentByName.set(k, [other]);
        else if (same.length < MAX_NAMESAKES) same.push(other);
      }
    }
    const found: DeltaBaseCandidate[] = [];
    for (const other of [
      ...(thinBases ? (clientByName.get(key) ?? []) : []),
      ...(clientOnly ? [] : (sentByName!.get(key) ?? [])),
    ]) {
      if (other === id) continue;
      found.push({
        key: other,
        oid: marks.hexOf(other),
        clientHas: (marks.get(other) & CLIENT_HAS) !== 0,
        load: () => load(other),
      });
    }
    return found;
  };
  /**
   * Usable bases among the object's stored delta family, nearest first: a
   * breadth-first walk over "is stored against" links in both directions
   * (git put similar objects, mostly versions of one file, in one family).
   */
  const relatives = (n: number, offset: number, clientOnly: boolean): DeltaBaseCandidate[] => {
    const pack = objects.packs[n]!;
    const found: DeltaBaseCandidate[] = [];
    const seen = new Set<number>([offset]);
    const queue = [offset];
    for (let k = 0; k < queue.length && k < MAX_FAMILY && found.length < MAX_CANDIDATES; k++) {
      const at = queue[k]!;
      if (at !== offset) {
        const c = candidate(n, at, clientOnly);
        if (c) found.push(c);
      }
      const base = pack.entryAt(at).baseOffset;
      for (const next of base >= 0 ? [base, ...pack.dependentsOf(at)] : pack.dependentsOf(at)) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    return found;
  };

  function* entries(): Generator<GeneratorEntry> {
    const later: FreshEntry[] = [];
    for (const key of sorted) {
      const n = Math.floor(key / PACK_SPAN);
      const offset = key % PACK_SPAN;
      const pack = objects.packs[n]!;
      const position = pack.positionAt(offset);
      const ref = n * REF_UNIT + position;
      const entry = pack.entryAt(offset);
      const loadThis = () => load(ref);
      const big = { loadLarge: () => objects.readLarge(ref), size: () => objects.sizeOf(ref) };
      const copy: CopiedEntry = { kind: 'copy', key: ref, pack, position, entry, load: loadThis, ...big };
      if (entry.typeCode < PACK_TYPE.ofsDelta) {
        // A thin pack: a whole object may be better sent as a delta against a version the client has
        // (the same name in the trees it has, or else its stored family).
        let bases: DeltaBaseCandidate[] = [];
        // Never for a big object: a new delta needs it and its base whole in memory (git skips them too).
        const deltable = entry.typeCode === PACK_TYPE.blob || entry.typeCode === PACK_TYPE.tree;
        if (thinBases && deltable && entry.size <= STREAM_THRESHOLD) {
          bases = namesakes(ref, true);
          if (bases.length === 0) bases = relatives(n, offset, true);
        }
        if (bases.length > 0) later.push({ kind: 'fresh', key: ref, load: loadThis, ...big, bases, stored: copy });
        else yield copy;
        continue;
      }
      const basePosition = entry.baseOffset >= 0 ? pack.positionAt(entry.baseOffset) : -1;
      if (basePosition >= 0 && marks.getAt(n, basePosition) & SENT) {
        yield { ...copy, baseKey: n * REF_UNIT + basePosition };
      } else if (thinBases && marks.get(marks.idOf(pack.baseOid(entry))) & CLIENT_HAS) {
        yield copy;
      } else {
        later.push({
          kind: 'fresh',
          key: ref,
          load: loadThis,
          ...big,
          bases: [...relatives(n, offset, false), ...namesakes(ref)],
        });
      }
    }
    yield* later;
    for (const oid of loose) {
      yield {
        kind: 'fresh',
        key: oid,
        load: () => load(oid),
        loadLarge: () => objects.readLarge(oid),
        size: () => objects.sizeOf(oid),
        bases: namesakes(oid),
      };
    }
  }

  return { count: list.length, stats, entries };
}
