import { createChecksumHasher, hashLength, type HashAlgorithm } from '../objects/oid.js';
import {
  FANOUT_ENTRIES,
  FANOUT_LENGTH,
  IDX_HEADER_LENGTH,
  IDX_MAGIC,
  IDX_VERSION,
  LARGE_OFFSET_FLAG,
  MAX_SMALL_OFFSET,
} from './idx-format.js';

/** What the index records about each entry, in any order. */
export interface IdxEntries {
  count: number;
  /** Raw object ids, `count * hashLength` bytes, entry i at i * hashLength. */
  oids: Buffer;
  offsets: ArrayLike<number>;
  crcs: ArrayLike<number>;
}

/** Entry numbers sorted by object id (byte order). */
export function sortByOid(entries: IdxEntries, algo: HashAlgorithm): Uint32Array {
  const hl = hashLength(algo);
  const keys = new Array<string>(entries.count);
  for (let i = 0; i < entries.count; i++) keys[i] = entries.oids.toString('latin1', i * hl, (i + 1) * hl);
  const order = Array.from({ length: entries.count }, (_, i) => i);
  // latin1 strings compare code unit by code unit, which is byte order.
  order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
  return Uint32Array.from(order);
}

/** Builds a complete .idx v2 file: header, fanout, oids, crc32s, offsets, large offsets, pack hash, own hash. */
export function buildIdx(entries: IdxEntries, packHash: Buffer, algo: HashAlgorithm): Buffer {
  const hl = hashLength(algo);
  const n = entries.count;
  const order = sortByOid(entries, algo);
  let largeCount = 0;
  for (let i = 0; i < n; i++) if (entries.offsets[i]! > MAX_SMALL_OFFSET) largeCount++;

  const oidsAt = IDX_HEADER_LENGTH + FANOUT_LENGTH;
  const crcsAt = oidsAt + n * hl;
  const offsetsAt = crcsAt + n * 4;
  const largeAt = offsetsAt + n * 4;
  const trailerAt = largeAt + largeCount * 8;
  const out = Buffer.alloc(trailerAt + 2 * hl);

  IDX_MAGIC.copy(out, 0);
  out.writeUInt32BE(IDX_VERSION, 4);
  const fanout = new Uint32Array(FANOUT_ENTRIES);
  let large = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    entries.oids.copy(out, oidsAt + k * hl, i * hl, (i + 1) * hl);
    fanout[entries.oids[i * hl]!]!++;
    out.writeUInt32BE(entries.crcs[i]! >>> 0, crcsAt + k * 4);
    const offset = entries.offsets[i]!;
    if (offset > MAX_SMALL_OFFSET) {
      out.writeUInt32BE((LARGE_OFFSET_FLAG | large) >>> 0, offsetsAt + k * 4);
      out.writeBigUInt64BE(BigInt(offset), largeAt + large * 8);
      large++;
    } else {
      out.writeUInt32BE(offset, offsetsAt + k * 4);
    }
  }
  let cumulative = 0;
  for (let b = 0; b < FANOUT_ENTRIES; b++) {
    cumulative += fanout[b]!;
    out.writeUInt32BE(cumulative, IDX_HEADER_LENGTH + b * 4);
  }
  packHash.copy(out, trailerAt, 0, hl);
  createChecksumHasher(algo)
    .update(out.subarray(0, trailerAt + hl))
    .digest()
    .copy(out, trailerAt + hl);
  return out;
}
