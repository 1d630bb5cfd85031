import zlib from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';
import { PackError } from '../errors.js';
import type { ObjectReader } from '../objects/object-reader.js';
import { PACK_TYPE } from '../objects/object-type.js';
import { createChecksumHasher, objectHeader, type HashAlgorithm, type ObjectHasherFactory } from '../objects/oid.js';
import type { DeltaResolver } from './delta-resolver.js';
import { encodeEntryHeader } from './entry-header.js';
import type { FileWindow } from './file-window.js';
import type { ObjectTable } from './object-table.js';
import { PACK_ERROR } from './pack-errors.js';

export interface ThinCompletion {
  table: ObjectTable;
  refChildren: Map<string, number[]>;
  resolver: DeltaResolver;
  window: FileWindow;
  file: FileHandle;
  baseObjects: ObjectReader;
  hasher: ObjectHasherFactory;
}

/**
 * Like `index-pack --fix-thin`: every REF_DELTA base that is not in the
 * pack but is in `baseObjects` is appended to the pack as a whole object,
 * then the deltas below it are resolved. Returns how many were appended;
 * the caller rewrites header count and trailer.
 */
export async function appendThinBases(ctx: ThinCompletion): Promise<number> {
  const { table, refChildren, resolver, window, file, baseObjects, hasher } = ctx;
  let added = 0;
  // Map order is the order of each base's first delta, i.e. pack order, as git appends them.
  for (const oid of [...refChildren.keys()]) {
    if (!refChildren.has(oid)) continue; // became resolvable through an earlier base
    const base = await baseObjects.read(oid);
    if (!base) continue;
    if (hasher().update(objectHeader(base.type, base.data.length)).update(base.data).digest('hex') !== oid) {
      throw new PackError(PACK_ERROR.thinBase, `base object ${oid} read back with different content`, { oid });
    }
    const typeCode = PACK_TYPE[base.type];
    const header = encodeEntryHeader(typeCode, base.data.length);
    const entry = Buffer.concat([header, zlib.deflateSync(base.data)]);
    const offset = resolver.endOfObjects;
    await writeFully(file, entry, offset);
    window.invalidate();
    const i = table.add(offset, header.length, typeCode, base.data.length, zlib.crc32(entry), -1);
    table.setOid(i, Buffer.from(oid, 'hex'));
    resolver.endOfObjects = offset + entry.length;
    await resolver.resolveFrom(i, base.data);
    added++;
  }
  return added;
}

/** Rewrites the object count and recomputes the trailer over the whole file; returns the new pack hash. */
export async function rewriteHeaderAndTrailer(
  file: FileHandle,
  objectCount: number,
  endOfObjects: number,
  algo: HashAlgorithm,
): Promise<Buffer> {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(objectCount);
  await writeFully(file, count, 8);
  const hasher = createChecksumHasher(algo);
  const block = Buffer.allocUnsafe(1 << 20);
  for (let at = 0; at < endOfObjects;) {
    const { bytesRead } = await file.read(block, 0, Math.min(block.length, endOfObjects - at), at);
    if (bytesRead === 0) throw new PackError(PACK_ERROR.truncated, 'pack file shrank while rewriting its trailer');
    hasher.update(block.subarray(0, bytesRead));
    at += bytesRead;
  }
  const packHash = hasher.digest();
  await writeFully(file, packHash, endOfObjects);
  await file.truncate(endOfObjects + packHash.length);
  return packHash;
}

export async function writeFully(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}
