import { once } from 'node:events';
import zlib from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';
import { PackError } from '../errors.js';
import type { ObjectReader } from '../objects/object-reader.js';
import { PACK_TYPE, type ObjectType } from '../objects/object-type.js';
import { createChecksumHasher, objectHeader, type HashAlgorithm, type ObjectHasherFactory } from '../objects/oid.js';
import { PIECE_SIZE, STREAM_THRESHOLD } from './big-objects.js';
import type { DeltaResolver } from './delta-resolver.js';
import type { Content } from './entry-content.js';
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
  algo: HashAlgorithm;
  /** Where a big base is spilled while its deltas are resolved. */
  spillDir: string;
  hasher: ObjectHasherFactory;
}

/**
 * Like `index-pack --fix-thin`: every REF_DELTA base that is not in the
 * pack but is in `baseObjects` is appended to the pack as a whole object,
 * then the deltas below it are resolved. Returns how many were appended;
 * the caller rewrites header count and trailer. A big base is read, written
 * and resolved against in pieces, never whole.
 */
export async function appendThinBases(ctx: ThinCompletion): Promise<number> {
  const { table, refChildren, resolver, window, file, baseObjects, hasher } = ctx;
  let added = 0;
  // Map order is the order of each base's first delta, i.e. pack order, as git appends them.
  for (const oid of [...refChildren.keys()]) {
    if (!refChildren.has(oid)) continue; // became resolvable through an earlier base
    const info = await baseObjects.info(oid);
    if (!info) continue;
    const base =
      info.size > STREAM_THRESHOLD && baseObjects.readLarge
        ? await baseObjects.readLarge(oid, ctx.spillDir)
        : await baseObjects.read(oid).then((object) => object && { type: object.type, content: object.data as Content });
    if (!base) continue;
    const content = base.content as Content;
    try {
      const typeCode = PACK_TYPE[base.type];
      const header = encodeEntryHeader(typeCode, content.length);
      const offset = resolver.endOfObjects;
      await writeFully(file, header, offset);
      const {
        end,
        crc,
        oid: actual,
      } = await deflateInto(file, offset + header.length, content, base.type, hasher, zlib.crc32(header));
      if (actual !== oid) {
        throw new PackError(PACK_ERROR.thinBase, `base object ${oid} read back with different content`, { oid });
      }
      window.invalidate();
      const i = table.add(offset, header.length, typeCode, content.length, crc, -1);
      table.setOid(i, Buffer.from(oid, 'hex'));
      resolver.endOfObjects = end;
    } catch (error) {
      if (!Buffer.isBuffer(content)) content.close();
      throw error;
    }
    await resolver.resolveFrom(table.count - 1, content);
    added++;
  }
  return added;
}

/**
 * Deflates `content` into the pack file at `at`, in pieces (a big base is
 * never whole in memory), hashing it as an object of `type` on the way.
 * Returns where the entry ends, its CRC (continuing `crc`) and the id.
 */
async function deflateInto(
  file: FileHandle,
  at: number,
  content: Content,
  type: ObjectType,
  objectHasher: ObjectHasherFactory,
  crc: number,
): Promise<{ end: number; crc: number; oid: string }> {
  const hasher = objectHasher().update(objectHeader(type, content.length));
  if (Buffer.isBuffer(content) && content.length <= STREAM_THRESHOLD) {
    const data = zlib.deflateSync(content);
    await writeFully(file, data, at);
    return { end: at + data.length, crc: zlib.crc32(data, crc), oid: hasher.update(content).digest('hex') };
  }
  // Big: zlib's fastest level; this copy only completes the pack, and a big one is slow to deflate.
  const deflate = zlib.createDeflate({ level: 1 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  let pos = at;
  let sum = crc;
  const flushOut = async () => {
    for (const chunk of out.splice(0)) {
      await writeFully(file, chunk, pos);
      sum = zlib.crc32(chunk, sum);
      pos += chunk.length;
    }
  };
  for (let start = 0; start < content.length; start += PIECE_SIZE) {
    const end = Math.min(content.length, start + PIECE_SIZE);
    // A spill file's view lasts until its next read: the deflate stream gets a copy.
    const piece = Buffer.isBuffer(content) ? content.subarray(start, end) : Buffer.from(content.read(start, end));
    hasher.update(piece);
    if (!deflate.write(piece)) await once(deflate, 'drain');
    await flushOut();
  }
  const ended = once(deflate, 'end');
  deflate.end();
  await ended;
  await flushOut();
  return { end: pos, crc: sum, oid: hasher.digest('hex') };
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
