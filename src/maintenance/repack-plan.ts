import { objectTypeFromCode, PACK_TYPE } from '../objects/object-type.js';
import type { GeneratorEntry, GeneratorPack } from '../pack/index.js';
import type { LooseObjectStore } from '../repo/loose-objects.js';
import { MaintenanceError } from '../errors.js';
import { MAINTENANCE_ERROR } from './maintenance-errors.js';

/**
 * The entries of the pack a repack writes: every object of `packs` once
 * (the first pack that has it wins), each pack in its own offset order, and
 * then the loose objects no pack has.
 *
 * Stored bytes are reused as they are: a non-delta is copied, a delta keeps
 * its compressed data and gets a new header — OFS_DELTA when its base went
 * out before it, else REF_DELTA to a base later in the same source pack.
 * That cannot make a cycle: a base written earlier has its whole chain
 * written earlier, and a forward base is resolved within one pack, whose
 * own chains are acyclic. A delta whose base is in no source pack (a REF
 * base outside the pack, which a complete pack never has) is written whole.
 */
export function planRepack(
  packs: readonly GeneratorPack[],
  loose: LooseObjectStore,
  looseOids: readonly string[],
): GeneratorEntry[] {
  const entries: GeneratorEntry[] = [];
  const taken = new Set<string>();
  for (const pack of packs) {
    for (const { offset, position } of entriesInPackOrder(pack)) {
      const oid = pack.oidAt(position);
      if (taken.has(oid)) continue;
      taken.add(oid);
      const entry = pack.entryAt(offset);
      const load = async () => {
        const { typeCode, data } = pack.readAt(offset);
        return { type: objectTypeFromCode(typeCode)!, data };
      };
      if (entry.typeCode >= PACK_TYPE.ofsDelta && entry.baseOffset < 0) {
        entries.push({ kind: 'fresh', key: oid, load });
        continue;
      }
      const baseKey = entry.typeCode >= PACK_TYPE.ofsDelta ? pack.baseOid(entry) : undefined;
      entries.push({ kind: 'copy', key: oid, pack, position, entry, baseKey, load });
    }
  }
  for (const oid of looseOids) {
    if (taken.has(oid)) continue;
    taken.add(oid);
    entries.push({
      kind: 'fresh',
      key: oid,
      load: async () => {
        const object = await loose.read(oid);
        if (!object)
          throw new MaintenanceError(MAINTENANCE_ERROR.looseVanished, `loose object ${oid} vanished during the repack`);
        return object;
      },
    });
  }
  return entries;
}

/** Index positions of a pack's entries by ascending offset: bases come before their OFS deltas. */
function entriesInPackOrder(pack: GeneratorPack): { offset: number; position: number }[] {
  const n = pack.objectCount;
  const order: { offset: number; position: number }[] = new Array(n);
  for (let position = 0; position < n; position++) order[position] = { offset: pack.offsetAt(position), position };
  return order.sort((a, b) => a.offset - b.offset);
}
