import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PackError } from '../errors.js';
import { PACK_TYPE } from '../objects/object-type.js';
import { hashLength, type HashAlgorithm } from '../objects/oid.js';
import { BaseCache } from './base-cache.js';
import { applyDelta } from './delta.js';
import { parseEntryPrefix } from './entry-prefix.js';
import { FileWindow } from './file-window.js';
import { PackIndex } from './idx-reader.js';
import { inflateEntry } from './inflate.js';
import { PACK_ERROR, badObject } from './pack-errors.js';
import { PACK_HEADER_LENGTH, parsePackHeader } from './pack-header.js';

/** Longest entry header: size varint plus a 32-byte REF base id. */
const MAX_ENTRY_HEADER = 8 + 32;
const MAX_CHAIN_LENGTH = 10_000;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
/** Stored bytes are copied in pieces no bigger than this, so a huge blob is never held whole. */
export const COPY_CHUNK = 1 << 20;

/** How one entry is stored: enough to copy it into another pack unchanged. */
export interface StoredEntryInfo {
  offset: number;
  /** 1-4, or 6 (OFS_DELTA) / 7 (REF_DELTA). */
  typeCode: number;
  /** Inflated size of the stored data (the delta's own size for a delta). */
  size: number;
  /** Start of the zlib data. */
  dataStart: number;
  /** Where the next entry (or the trailer) starts. */
  end: number;
  /** Deltas: pack offset of the base; -1 otherwise. */
  baseOffset: number;
  /** Deltas: the base's id. */
  baseOid?: string;
}

/**
 * Synchronous random access to one stored pack, for the pack generator.
 * A clone walks tens of thousands of small commits and trees; one positioned
 * read through a shared window per entry is several times faster than an
 * async read each, and a repacked pack keeps them close together. Also says
 * how each entry is stored so that its compressed bytes can be reused.
 */
export class GeneratorPack {
  readonly algo: HashAlgorithm;
  private readonly hl: number;
  private readonly window: FileWindow;
  private readonly endOfObjects: number;
  private readonly cache: BaseCache;
  private sortedOffsets: Float64Array | undefined;
  private sortedPositions: Uint32Array | undefined;
  private closed = false;

  private constructor(
    readonly packPath: string,
    readonly index: PackIndex,
    private readonly fd: number,
    size: number,
    cacheBytes: number,
  ) {
    this.algo = index.algo;
    this.hl = hashLength(index.algo);
    this.window = new FileWindow(fd);
    this.endOfObjects = size - this.hl;
    this.cache = new BaseCache(cacheBytes);
  }

  /** Opens `packPath` and its `.idx`, checking that they belong together. */
  static async open(packPath: string, algo: HashAlgorithm, options: { cacheBytes?: number } = {}): Promise<GeneratorPack> {
    const index = new PackIndex(await readFile(packPath.replace(/\.pack$/, '.idx')), algo);
    const fd = fs.openSync(packPath, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const hl = hashLength(algo);
      if (size < PACK_HEADER_LENGTH + hl) throw new PackError(PACK_ERROR.truncated, `pack file ${packPath} is too short`);
      const window = new FileWindow(fd, 64);
      const header = parsePackHeader(Buffer.from(window.read(0, PACK_HEADER_LENGTH)));
      if (header.objectCount !== index.objectCount) {
        throw new PackError(PACK_ERROR.packMismatch, `pack ${packPath} has ${header.objectCount} objects, its index ${index.objectCount}`);
      }
      if (!window.read(size - hl, size).equals(index.packHash)) {
        throw new PackError(PACK_ERROR.packMismatch, `index does not belong to pack ${packPath} (checksum differs)`);
      }
      return new GeneratorPack(packPath, index, fd, size, options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  get objectCount(): number {
    return this.index.objectCount;
  }

  /** Offset of `oid`'s entry, or -1. */
  find(oid: string): number {
    const position = this.index.find(oid);
    return position < 0 ? -1 : this.index.offsetAt(position);
  }

  /** The id stored at `offset`, or undefined when no entry starts there. */
  oidAt(offset: number): string | undefined {
    const sorted = this.offsetsInOrder();
    const k = upperBound(sorted, offset) - 1;
    return k >= 0 && sorted[k] === offset ? this.index.oidAt(this.sortedPositions![k]!) : undefined;
  }

  /** CRC32 the index records for the entry at `offset` (over its stored bytes, header included). */
  crcAt(offset: number): number {
    const sorted = this.offsetsInOrder();
    const k = upperBound(sorted, offset) - 1;
    return this.index.crcAt(this.sortedPositions![k]!);
  }

  /** How the entry at `offset` is stored. */
  entryAt(offset: number): StoredEntryInfo {
    const end = this.entryEnd(offset);
    const head = this.window.read(offset, Math.min(offset + MAX_ENTRY_HEADER, end));
    const prefix = parseEntryPrefix(head, 0, this.hl, offset);
    if (!prefix) throw badObject(PACK_ERROR.truncated, offset, 'entry header runs past the end of the entry');
    const info: StoredEntryInfo = {
      offset,
      typeCode: prefix.typeCode,
      size: prefix.size,
      dataStart: offset + prefix.headerLength,
      end,
      baseOffset: prefix.baseOffset,
    };
    if (prefix.baseOidAt >= 0) {
      info.baseOid = head.toString('hex', prefix.baseOidAt, prefix.baseOidAt + this.hl);
      info.baseOffset = this.find(info.baseOid);
    } else if (prefix.baseOffset >= 0) {
      info.baseOid = this.oidAt(prefix.baseOffset);
      if (info.baseOid === undefined) throw badObject(PACK_ERROR.delta, offset, 'delta base offset does not start an entry');
    }
    return info;
  }

  /** The object at `offset` with its delta chain resolved: type code 1-4 and content. */
  readAt(offset: number): { typeCode: number; data: Buffer } {
    const chain: { offset: number; delta: Buffer }[] = [];
    let at = offset;
    let base = this.cache.get(at);
    while (!base) {
      const entry = this.entryAt(at);
      const data = this.inflate(entry);
      if (entry.typeCode < PACK_TYPE.ofsDelta) {
        base = { typeCode: entry.typeCode, data };
        if (chain.length > 0) this.cache.set(at, base);
        break;
      }
      if (entry.baseOffset < 0) {
        throw new PackError(PACK_ERROR.unresolvedDelta, `delta base ${entry.baseOid} of the object at offset ${at} is not in pack ${this.packPath}`);
      }
      chain.push({ offset: at, delta: data });
      if (chain.length > MAX_CHAIN_LENGTH) throw badObject(PACK_ERROR.delta, offset, 'delta chain too long (cycle?)');
      at = entry.baseOffset;
      base = this.cache.get(at);
    }
    let data = base.data;
    for (let k = chain.length - 1; k >= 0; k--) {
      data = applyDelta(data, chain[k]!.delta);
      // Keep intermediate results: the next object of a walk is often a sibling in the same chain.
      if (k > 0) this.cache.set(chain[k]!.offset, { typeCode: base.typeCode, data });
    }
    return { typeCode: base.typeCode, data };
  }

  /**
   * Hands the raw bytes [start, end) to `sink` in pieces of at most
   * COPY_CHUNK. Each piece is only valid during the call.
   */
  copy(start: number, end: number, sink: (piece: Buffer) => void): void {
    for (let at = start; at < end; at += COPY_CHUNK) sink(this.window.read(at, Math.min(end, at + COPY_CHUNK)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    fs.closeSync(this.fd);
  }

  private inflate(entry: StoredEntryInfo): Buffer {
    const inflated = inflateEntry(this.window.read(entry.dataStart, entry.end), entry.size, entry.offset);
    if (!inflated) throw badObject(PACK_ERROR.zlib, entry.offset, 'zlib stream runs past the end of the entry');
    return inflated.data;
  }

  private entryEnd(offset: number): number {
    const sorted = this.offsetsInOrder();
    const k = upperBound(sorted, offset);
    return k < sorted.length ? sorted[k]! : this.endOfObjects;
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
function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
