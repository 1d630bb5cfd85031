import zlib from 'node:zlib';
import { PackError } from '../errors.js';
import { PACK_TYPE, type ObjectType } from '../objects/object-type.js';
import { createChecksumHasher, hashObject, type HashAlgorithm } from '../objects/oid.js';
import { encodeEntryHeader, encodeOfsDistance } from './entry-header.js';
import { PACK_ERROR } from './pack-errors.js';
import { encodePackHeader } from './pack-header.js';
import type { RawEntry } from './pack-reader.js';

/** An object to deflate and write whole. */
export interface WholeObjectEntry {
  kind: 'object';
  type: ObjectType;
  data: Buffer;
  /** Saves hashing when the caller knows it. */
  oid?: string;
}

/**
 * An entry copied byte for byte from a stored pack (see PackReader.rawEntry
 * and readStoredData). A stored delta is written as an OFS_DELTA when its
 * base was written earlier in this pack, else as a REF_DELTA (a thin pack).
 */
export interface StoredEntry {
  kind: 'stored';
  entry: RawEntry;
  /** The entry's compressed data. */
  stored: Buffer;
}

export type PackWriterEntry = WholeObjectEntry | StoredEntry;

export interface PackWriterOptions {
  algo: HashAlgorithm;
  /** Number of entries that will follow; it goes in the header. */
  objectCount: number;
  compressionLevel?: number;
}

/** Streams a pack: header, entries, trailer hash over everything before it. */
export async function* writePack(
  entries: Iterable<PackWriterEntry> | AsyncIterable<PackWriterEntry>,
  options: PackWriterOptions,
): AsyncGenerator<Buffer> {
  const hasher = createChecksumHasher(options.algo);
  const written = new Map<string, number>();
  let offset = 0;
  const emit = (bytes: Buffer): Buffer => {
    hasher.update(bytes);
    offset += bytes.length;
    return bytes;
  };
  yield emit(encodePackHeader(options.objectCount));
  let count = 0;
  for await (const item of entries) {
    count++;
    const start = offset;
    if (item.kind === 'object') {
      const compressed = zlib.deflateSync(item.data, { level: options.compressionLevel ?? zlib.constants.Z_DEFAULT_COMPRESSION });
      yield emit(Buffer.concat([encodeEntryHeader(PACK_TYPE[item.type], item.data.length), compressed]));
      written.set(item.oid ?? hashObject(options.algo, item.type, item.data), start);
    } else {
      yield emit(Buffer.concat([storedEntryHeader(item.entry, start, written), item.stored]));
      written.set(item.entry.oid, start);
    }
  }
  if (count !== options.objectCount) {
    throw new PackError(PACK_ERROR.objectCount, `pack writer got ${count} objects, the header says ${options.objectCount}`);
  }
  yield hasher.digest();
}

function storedEntryHeader(entry: RawEntry, start: number, written: Map<string, number>): Buffer {
  if (entry.packType < PACK_TYPE.ofsDelta) return encodeEntryHeader(entry.packType, entry.size);
  if (!entry.baseOid) throw new PackError(PACK_ERROR.delta, `stored delta ${entry.oid} has no known base`);
  const baseAt = written.get(entry.baseOid);
  if (baseAt !== undefined) {
    return Buffer.concat([encodeEntryHeader(PACK_TYPE.ofsDelta, entry.size), encodeOfsDistance(start - baseAt)]);
  }
  return Buffer.concat([encodeEntryHeader(PACK_TYPE.refDelta, entry.size), Buffer.from(entry.baseOid, 'hex')]);
}
