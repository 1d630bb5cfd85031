import { open, readFile, type FileHandle } from 'node:fs/promises';
import zlib from 'node:zlib';
import { PackError } from '../errors.js';
import { objectTypeFromCode, type GitObject, type ObjectType } from '../objects/object-type.js';
import { hashLength, type HashAlgorithm } from '../objects/oid.js';
import { BaseCache, type CachedBase } from './base-cache.js';
import { applyDelta, readDeltaSizes } from './delta.js';
import { parseEntryPrefix } from './entry-prefix.js';
import { FileWindow } from './file-window.js';
import { readLargeObject, type StoredLayout } from './large-object.js';
import type { SpillFile } from './spill-file.js';
import { PackIndex } from './idx-reader.js';
import { inflateEntry } from './inflate.js';
import { PACK_ERROR, badObject } from './pack-errors.js';
import { PACK_HEADER_LENGTH, parsePackHeader } from './pack-header.js';

/** Longest entry header: size varint plus a 32-byte REF base id. */
const MAX_ENTRY_HEADER = 8 + 32;
/** A chain longer than this is a cycle or an attack (git's default max depth is 50). */
const MAX_CHAIN_LENGTH = 10_000;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

/** Where and how one object is stored, for reusing its bytes without inflating them. */
export interface RawEntry {
  oid: string;
  offset: number;
  /** Start of the zlib data (after the entry header). */
  dataOffset: number;
  /** End of the entry: the next entry's offset or the trailer. */
  end: number;
  /** Stored type code: 1-4, or 6 (OFS_DELTA) / 7 (REF_DELTA). */
  packType: number;
  /** Inflated size of the stored data; for a delta, the delta's own size. */
  size: number;
  crc32: number;
  /** Deltas: offset of the base in this pack. */
  baseOffset?: number;
  /** Deltas: id of the base (REF_DELTA as stored; OFS_DELTA looked up by offset). */
  baseOid?: string;
}

export interface PackReaderOptions {
  /** Bytes of resolved delta bases to keep (LRU). */
  cacheBytes?: number;
}

/**
 * Random access to a stored pack through its .idx: positioned reads on a
 * file handle (the pack is never read whole), delta chains resolved with a
 * small LRU of bases.
 */
export class PackReader {
  readonly packPath: string;
  readonly algo: HashAlgorithm;
  readonly index: PackIndex;
  private readonly file: FileHandle;
  private readonly hl: number;
  /** Where the trailer starts. */
  private readonly endOfObjects: number;
  private readonly cache: BaseCache;
  /** Synchronous reads for readLarge(), made on first need. */
  private window: FileWindow | undefined;
  /** Every entry's offset, ascending, plus endOfObjects; built on first need. */
  private sortedOffsets: Float64Array | undefined;
  /** Index position of the entry at each sorted offset. */
  private sortedPositions: Uint32Array | undefined;

  private constructor(
    packPath: string,
    algo: HashAlgorithm,
    file: FileHandle,
    index: PackIndex,
    size: number,
    options: PackReaderOptions,
  ) {
    this.packPath = packPath;
    this.algo = algo;
    this.file = file;
    this.index = index;
    this.hl = hashLength(algo);
    this.endOfObjects = size - this.hl;
    this.cache = new BaseCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  }

  /** Opens `packPath` and the `.idx` beside it, checking that they belong together. */
  static async open(packPath: string, algo: HashAlgorithm, options: PackReaderOptions = {}): Promise<PackReader> {
    const idxPath = packPath.replace(/\.pack$/, '') + '.idx';
    const index = new PackIndex(await readFile(idxPath), algo);
    const file = await open(packPath, 'r');
    try {
      const { size } = await file.stat();
      const hl = hashLength(algo);
      if (size < PACK_HEADER_LENGTH + hl) throw new PackError(PACK_ERROR.truncated, `pack file ${packPath} is too short`);
      const header = parsePackHeader(await readAt(file, 0, PACK_HEADER_LENGTH));
      if (header.objectCount !== index.objectCount) {
        throw new PackError(
          PACK_ERROR.packMismatch,
          `pack ${packPath} has ${header.objectCount} objects, its index ${index.objectCount}`,
        );
      }
      const trailer = await readAt(file, size - hl, hl);
      if (!trailer.equals(index.packHash)) {
        throw new PackError(PACK_ERROR.packMismatch, `index does not belong to pack ${packPath} (checksum differs)`);
      }
      return new PackReader(packPath, algo, file, index, size, options);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  get objectCount(): number {
    return this.index.objectCount;
  }

  /** Hex trailer hash of the pack. */
  get packHash(): string {
    return this.index.packHash.toString('hex');
  }

  has(oid: string): boolean {
    return this.index.find(oid) >= 0;
  }

  /** Pack offset of `oid`, or -1. */
  offsetOf(oid: string): number {
    const position = this.index.find(oid);
    return position < 0 ? -1 : this.index.offsetAt(position);
  }

  oids(): Iterable<string> {
    return this.index.oids();
  }

  async read(oid: string): Promise<GitObject | null> {
    const offset = this.offsetOf(oid);
    return offset < 0 ? null : this.readAtOffset(offset);
  }

  /** The object whose entry starts at `offset`, with its delta chain resolved. */
  async readAtOffset(offset: number): Promise<GitObject> {
    const deltas: { offset: number; delta: Buffer }[] = [];
    let at = offset;
    let base: CachedBase | undefined;
    let fromCache = false;
    for (;;) {
      base = this.cache.get(at);
      if (base) {
        fromCache = true;
        break;
      }
      const entry = await this.readEntry(at);
      if (entry.baseOffset < 0) {
        base = { typeCode: entry.typeCode, data: entry.data };
        if (deltas.length > 0) this.cache.set(at, base);
        break;
      }
      deltas.push({ offset: at, delta: entry.data });
      if (deltas.length > MAX_CHAIN_LENGTH) throw badObject(PACK_ERROR.delta, offset, 'delta chain too long (cycle?)');
      at = entry.baseOffset;
    }
    // Never hand out the cache's own buffer: a caller that changes it would corrupt later reads.
    if (fromCache && deltas.length === 0) return { type: objectTypeFromCode(base.typeCode)!, data: Buffer.from(base.data) };
    let data = base.data;
    for (let k = deltas.length - 1; k >= 0; k--) {
      const { offset: deltaOffset, delta } = deltas[k]!;
      try {
        data = applyDelta(data, delta);
      } catch (error) {
        if (error instanceof PackError)
          throw badObject(PACK_ERROR.delta, deltaOffset, `failed to apply delta (${error.message})`);
        throw error;
      }
      if (k > 0) this.cache.set(deltaOffset, { typeCode: base.typeCode, data });
    }
    return { type: objectTypeFromCode(base.typeCode)!, data };
  }

  /** Type and size without resolving the delta chain's content. */
  async info(oid: string): Promise<{ type: ObjectType; size: number } | null> {
    const offset = this.offsetOf(oid);
    if (offset < 0) return null;
    let size = -1;
    let at = offset;
    for (let depth = 0; depth <= MAX_CHAIN_LENGTH; depth++) {
      const cached = this.cache.get(at);
      if (cached) return { type: objectTypeFromCode(cached.typeCode)!, size: size < 0 ? cached.data.length : size };
      const head = await this.readPrefix(at);
      if (head.baseOffset < 0) return { type: objectTypeFromCode(head.typeCode)!, size: size < 0 ? head.size : size };
      if (size < 0) size = readDeltaSizes(await this.inflateDeltaHead(at, head)).resultSize;
      at = head.baseOffset;
    }
    throw badObject(PACK_ERROR.delta, offset, 'delta chain too long (cycle?)');
  }

  /**
   * The object without holding it whole when it is big (see large-object.ts):
   * a buffer, or a spill file in `spillDir` that the caller closes.
   */
  async readLarge(oid: string, spillDir: string): Promise<{ type: ObjectType; content: Buffer | SpillFile } | null> {
    const offset = this.offsetOf(oid);
    if (offset < 0) return null;
    this.window ??= new FileWindow(this.file.fd);
    const window = this.window;
    const layoutAt = (at: number): StoredLayout => {
      const prefix = this.decodePrefix(window.read(at, Math.min(at + MAX_ENTRY_HEADER, this.endOfObjects)), at);
      const { typeCode, size, headerLength, baseOffset } = prefix;
      return { offset: at, typeCode, size, dataStart: at + headerLength, end: this.entryEnd(at), baseOffset };
    };
    return readLargeObject(window, layoutAt, offset, this.algo, spillDir);
  }

  /** How `oid` is stored, for copying its bytes into another pack. */
  async rawEntry(oid: string): Promise<RawEntry | null> {
    const position = this.index.find(oid);
    if (position < 0) return null;
    const offset = this.index.offsetAt(position);
    const head = await this.readPrefix(offset);
    const raw: RawEntry = {
      oid,
      offset,
      dataOffset: offset + head.headerLength,
      end: this.entryEnd(offset),
      packType: head.typeCode,
      size: head.size,
      crc32: this.index.crcAt(position),
    };
    if (head.baseOffset >= 0) {
      raw.baseOffset = head.baseOffset;
      raw.baseOid = head.baseOid ?? this.oidAtOffset(head.baseOffset);
    }
    return raw;
  }

  /** The stored (still compressed) data of an entry: bytes [dataOffset, end). */
  async readStoredData(entry: RawEntry): Promise<Buffer> {
    return readAt(this.file, entry.dataOffset, entry.end - entry.dataOffset);
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.file.close();
  }

  /** Header fields of the entry at `offset`, REF bases turned into offsets. */
  private async readPrefix(offset: number) {
    const length = Math.min(MAX_ENTRY_HEADER, this.endOfObjects - offset);
    const buf = await readAt(this.file, offset, length);
    return this.decodePrefix(buf, offset);
  }

  private decodePrefix(buf: Buffer, offset: number) {
    const prefix = parseEntryPrefix(buf, 0, this.hl, offset);
    if (!prefix) throw badObject(PACK_ERROR.truncated, offset, 'entry header runs past the end of the pack');
    let { baseOffset } = prefix;
    let baseOid: string | undefined;
    if (prefix.baseOidAt >= 0) {
      baseOid = buf.toString('hex', prefix.baseOidAt, prefix.baseOidAt + this.hl);
      baseOffset = this.offsetOf(baseOid);
      if (baseOffset < 0) {
        throw new PackError(
          PACK_ERROR.unresolvedDelta,
          `delta base ${baseOid} of the object at offset ${offset} is not in pack ${this.packPath}`,
        );
      }
    }
    return { ...prefix, baseOffset, baseOid };
  }

  /** Reads the whole entry at `offset` and inflates its data. */
  private async readEntry(offset: number) {
    const end = this.entryEnd(offset);
    const buf = await readAt(this.file, offset, end - offset);
    const prefix = this.decodePrefix(buf, offset);
    const inflated = inflateEntry(buf.subarray(prefix.headerLength), prefix.size, offset);
    if (!inflated) throw badObject(PACK_ERROR.zlib, offset, 'zlib stream runs past the end of the entry');
    return { typeCode: prefix.typeCode, baseOffset: prefix.baseOffset, data: inflated.data };
  }

  /** Enough of a delta's inflated data to read its two size varints. */
  private async inflateDeltaHead(offset: number, head: { headerLength: number }): Promise<Buffer> {
    const start = offset + head.headerLength;
    const end = this.entryEnd(offset);
    for (let want = 64; ; want *= 4) {
      const length = Math.min(want, end - start);
      const out = zlib.inflateSync(await readAt(this.file, start, length), {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      });
      if (out.length >= 20 || length === end - start) return out;
    }
  }

  private entryEnd(offset: number): number {
    const sorted = this.offsetsInOrder();
    const k = upperBound(sorted, offset);
    return k < sorted.length ? sorted[k]! : this.endOfObjects;
  }

  private oidAtOffset(offset: number): string | undefined {
    const sorted = this.offsetsInOrder();
    const k = upperBound(sorted, offset) - 1;
    return k >= 0 && sorted[k] === offset ? this.index.oidAt(this.sortedPositions![k]!) : undefined;
  }

  private offsetsInOrder(): Float64Array {
    if (!this.sortedOffsets) {
      const n = this.index.objectCount;
      const offsets = new Float64Array(n);
      for (let i = 0; i < n; i++) offsets[i] = this.index.offsetAt(i);
      const positions = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
      this.sortedPositions = positions;
      this.sortedOffsets = Float64Array.from(positions, (p) => offsets[p]!);
    }
    return this.sortedOffsets;
  }
}

/** First index whose value is greater than `value`. */
export function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new PackError(PACK_ERROR.truncated, `unexpected end of pack file at ${position + got}`);
    got += bytesRead;
  }
  return buf;
}
