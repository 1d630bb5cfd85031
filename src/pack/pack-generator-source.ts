import fs from 'node:fs';
import zlib from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { PackError } from '../errors.js';
import { PACK_TYPE, type ObjectType } from '../objects/object-type.js';
import { hashLength, type HashAlgorithm } from '../objects/oid.js';
import { BaseCache } from './base-cache.js';
import { applyDelta, readDeltaSizes } from './delta.js';
import { parseEntryPrefix } from './entry-prefix.js';
import { FileWindow } from './file-window.js';
import { upperBound } from './pack-reader.js';
import { FANOUT_LENGTH, IDX_HEADER_LENGTH } from './idx-format.js';
import { PackIndex } from './idx-reader.js';
import { EntryInflater } from './pack-generator-inflate.js';
import { readLargeObject, type StoredLayout } from './large-object.js';
import type { SpillFile } from './spill-file.js';
import { PACK_ERROR, badObject } from './pack-errors.js';
import { PACK_HEADER_LENGTH, parsePackHeader } from './pack-header.js';

/** Longest entry header: size varint, OFS distance or a 32-byte REF base id. */
const MAX_ENTRY_HEADER = 8 + 32;
const MAX_CHAIN_LENGTH = 10_000;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
/** Stored bytes are copied in pieces no bigger than this, so a huge blob is never held whole. */
export const COPY_CHUNK = 1 << 20;

/**
 * How one entry is stored: enough to copy it into another pack unchanged
 * (its layout, with baseOffset -1 for a REF_DELTA to elsewhere and for
 * non-deltas).
 */
export interface StoredEntryInfo extends StoredLayout {
  /** REF_DELTA: the base id as stored. (OFS_DELTA: see baseOid().) */
  refBase?: string;
}

/**
 * Synchronous random access to one stored pack, for the pack generator.
 * A clone walks tens of thousands of small commits and trees: lookups by raw
 * id, positioned reads through one window and one reused zlib stream make
 * that several times cheaper than the general async reader. It also says how
 * each entry is stored, so that its compressed bytes can be reused.
 */
export class GeneratorPack {
  readonly algo: HashAlgorithm;
  readonly index: PackIndex;
  private readonly hl: number;
  private readonly window: FileWindow;
  private readonly inflater = new EntryInflater();
  private readonly endOfObjects: number;
  private readonly cache: BaseCache;
  private sortedOffsets: Float64Array | undefined;
  private sortedPositions: Uint32Array | undefined;
  /** The fan-out table, and every id as 32-bit words: binary search in plain numbers, no Buffer calls. */
  private readonly fanout: Uint32Array;
  private words: Uint32Array | undefined;
  /** Where the last entryEnd() lookup landed: reads in pack order then cost one comparison. */
  private lastK = -1;
  /** Base offset → offsets of the deltas stored against it; built on first need. */
  private dependents: Map<number, number[]> | undefined;
  private closed = false;

  private constructor(
    readonly packPath: string,
    /** The whole .idx file. */
    private readonly idx: Buffer,
    index: PackIndex,
    private readonly fd: number,
    size: number,
    cacheBytes: number,
  ) {
    this.algo = index.algo;
    this.index = index;
    this.hl = hashLength(index.algo);
    this.window = new FileWindow(fd);
    this.endOfObjects = size - this.hl;
    this.cache = new BaseCache(cacheBytes);
    this.fanout = Uint32Array.from({ length: 256 }, (_, b) => idx.readUInt32BE(IDX_HEADER_LENGTH + b * 4));
  }

  /** Opens `packPath` and its `.idx`, checking that they belong together. */
  static async open(packPath: string, algo: HashAlgorithm, options: { cacheBytes?: number } = {}): Promise<GeneratorPack> {
    const idx = await readFile(packPath.replace(/\.pack$/, '.idx'));
    const index = new PackIndex(idx, algo);
    const fd = fs.openSync(packPath, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const hl = hashLength(algo);
      if (size < PACK_HEADER_LENGTH + hl) throw new PackError(PACK_ERROR.truncated, `pack file ${packPath} is too short`);
      const probe = new FileWindow(fd, 64);
      const header = parsePackHeader(Buffer.from(probe.read(0, PACK_HEADER_LENGTH)));
      if (header.objectCount !== index.objectCount) {
        throw new PackError(
          PACK_ERROR.packMismatch,
          `pack ${packPath} has ${header.objectCount} objects, its index ${index.objectCount}`,
        );
      }
      if (!probe.read(size - hl, size).equals(index.packHash)) {
        throw new PackError(PACK_ERROR.packMismatch, `index does not belong to pack ${packPath} (checksum differs)`);
      }
      return new GeneratorPack(packPath, idx, index, fd, size, options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  get objectCount(): number {
    return this.index.objectCount;
  }

  /**
   * Index position of the raw id at key[at…], or -1. Compares the first four
   * bytes as a number and the rest only on a match: this runs for every
   * entry of every tree a clone walks.
   */
  findRaw(key: Buffer, at = 0): number {
    const words = this.words ?? this.loadWords();
    const per = this.hl >>> 2;
    const first = key[at]!;
    let lo = first === 0 ? 0 : this.fanout[first - 1]!;
    let hi = this.fanout[first]!;
    const head = key.readUInt32BE(at);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      let base = mid * per;
      let word = words[base]!;
      let want = head;
      for (let w = 1; word === want && w < per; w++) {
        word = words[++base]!;
        want = key.readUInt32BE(at + 4 * w);
      }
      if (word === want) return mid;
      if (word < want) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  private loadWords(): Uint32Array {
    const bytes = this.index.objectCount * this.hl;
    const base = IDX_HEADER_LENGTH + FANOUT_LENGTH;
    // An aligned copy of the id table, byte-swapped when needed so each word reads big-endian.
    const copy = Buffer.allocUnsafeSlow(bytes);
    this.idx.copy(copy, 0, base, base + bytes);
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) copy.swap32();
    return (this.words = new Uint32Array(copy.buffer, copy.byteOffset, bytes >>> 2));
  }

  /** Index position of a hex id, or -1. */
  find(oid: string): number {
    if (oid.length !== this.hl * 2) return -1;
    return this.findRaw(Buffer.from(oid, 'hex'));
  }

  offsetAt(position: number): number {
    return this.index.offsetAt(position);
  }

  oidAt(position: number): string {
    return this.index.oidAt(position);
  }

  /** Index position of the entry that starts at `offset`, or -1. */
  positionAt(offset: number): number {
    const sorted = this.offsetsInOrder();
    const k = upperBound(sorted, offset) - 1;
    return k >= 0 && sorted[k] === offset ? this.sortedPositions![k]! : -1;
  }

  /** CRC32 the index records for the entry at `position` (over its stored bytes, header included). */
  crcAt(position: number): number {
    return this.index.crcAt(position);
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
      const position = this.findRaw(head, prefix.baseOidAt);
      info.refBase = head.toString('hex', prefix.baseOidAt, prefix.baseOidAt + this.hl);
      info.baseOffset = position < 0 ? -1 : this.offsetAt(position);
    }
    return info;
  }

  /** The id of a delta's base. */
  baseOid(entry: StoredEntryInfo): string {
    if (entry.refBase) return entry.refBase;
    const position = this.positionAt(entry.baseOffset);
    if (position < 0) throw badObject(PACK_ERROR.delta, entry.offset, 'delta base offset does not start an entry');
    return this.oidAt(position);
  }

  /**
   * Offsets of the entries stored as deltas against the entry at `offset`.
   * The first call reads every entry header of the pack.
   */
  dependentsOf(offset: number): readonly number[] {
    if (!this.dependents) {
      const map = new Map<number, number[]>();
      for (const at of this.offsetsInOrder()) {
        const entry = this.entryAt(at);
        if (entry.baseOffset < 0) continue;
        const list = map.get(entry.baseOffset);
        if (list) list.push(at);
        else map.set(entry.baseOffset, [at]);
      }
      this.dependents = map;
    }
    return this.dependents.get(offset) ?? [];
  }

  /** The object at `offset` with its delta chain resolved: type code 1-4 and content. */
  readAt(offset: number): { typeCode: number; data: Buffer } {
    const chain: { offset: number; delta: Buffer }[] = [];
    let at = offset;
    let base = this.cache.get(at);
    while (!base) {
      const entry = this.entryAt(at);
      const data = this.inflater.inflate(this.window.read(entry.dataStart, entry.end), entry.size, at);
      if (entry.typeCode < PACK_TYPE.ofsDelta) {
        base = { typeCode: entry.typeCode, data };
        if (chain.length > 0) this.cache.set(at, base);
        break;
      }
      if (entry.baseOffset < 0) {
        throw new PackError(
          PACK_ERROR.unresolvedDelta,
          `delta base ${entry.refBase} of the object at offset ${at} is not in pack ${this.packPath}`,
        );
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
   * The object at `offset` without holding it whole when it is big (see
   * large-object.ts): a buffer, or a spill file in `spillDir` that the caller closes.
   */
  readLarge(offset: number, spillDir: string): Promise<{ type: ObjectType; content: Buffer | SpillFile }> {
    const layoutAt = (at: number) => {
      const entry = this.entryAt(at);
      if (entry.typeCode >= PACK_TYPE.ofsDelta && entry.baseOffset < 0) {
        throw new PackError(
          PACK_ERROR.unresolvedDelta,
          `delta base ${entry.refBase} of the object at offset ${at} is not in pack ${this.packPath}`,
        );
      }
      return entry;
    };
    return readLargeObject(this.window, layoutAt, offset, this.algo, spillDir);
  }

  /** Size of the object at `offset`: a delta's result size is read from the first bytes of the delta. */
  sizeAt(offset: number): number {
    const entry = this.entryAt(offset);
    if (entry.typeCode < PACK_TYPE.ofsDelta) return entry.size;
    const head = zlib.inflateSync(this.window.read(entry.dataStart, Math.min(entry.end, entry.dataStart + 64)), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    return readDeltaSizes(head).resultSize;
  }

  /** Type code (1-4) of the object at `offset`, following delta bases without inflating anything. */
  typeAt(offset: number): number {
    let entry = this.entryAt(offset);
    for (let depth = 0; entry.typeCode >= PACK_TYPE.ofsDelta; depth++) {
      if (entry.baseOffset < 0 || depth > MAX_CHAIN_LENGTH) return this.readAt(offset).typeCode;
      entry = this.entryAt(entry.baseOffset);
    }
    return entry.typeCode;
  }

  /** The raw bytes [start, end) (at most COPY_CHUNK): a view valid until the next read of this pack. */
  view(start: number, end: number): Buffer {
    return this.window.read(start, end);
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

  private entryEnd(offset: number): number {
    const sorted = this.offsetsInOrder();
    let k = this.lastK + 1;
    if (sorted[k] !== offset) k = upperBound(sorted, offset) - 1;
    this.lastK = k;
    return k + 1 < sorted.length ? sorted[k + 1]! : this.endOfObjects;
  }

  private offsetsInOrder(): Float64Array {
    if (!this.sortedOffsets) {
      const n = this.index.objectCount;
      // Sort offset*2^21+position pairs natively (no comparator): fine while offsets stay below 2^32.
      const keys = new Float64Array(n);
      let small = true;
      for (let i = 0; i < n; i++) {
        const offset = this.index.offsetAt(i);
        if (offset >= 2 ** 32 || n > 2 ** 21) small = false;
        keys[i] = offset * 2 ** 21 + i;
      }
      if (small) {
        keys.sort();
        this.sortedPositions = Uint32Array.from(keys, (key) => key % 2 ** 21);
        this.sortedOffsets = Float64Array.from(keys, (key) => Math.floor(key / 2 ** 21));
      } else {
        const positions = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.index.offsetAt(a) - this.index.offsetAt(b));
        this.sortedPositions = Uint32Array.from(positions);
        this.sortedOffsets = Float64Array.from(positions, (p) => this.index.offsetAt(p));
      }
    }
    return this.sortedOffsets;
  }
}
