import { PackError } from '../errors.js';
import { createChecksumHasher, hashLength, type HashAlgorithm } from '../objects/oid.js';
import { PACK_ERROR } from './pack-errors.js';
import { FANOUT_ENTRIES, FANOUT_LENGTH, IDX_HEADER_LENGTH, IDX_MAGIC, IDX_VERSION, LARGE_OFFSET_FLAG } from './idx-format.js';

function corrupt(detail: string): PackError {
  return new PackError(PACK_ERROR.idx, `corrupt pack index: ${detail}`);
}

/** A whole .idx v2 file held in memory (it is small: ~28 bytes per object for SHA-1). */
export class PackIndex {
  readonly algo: HashAlgorithm;
  readonly objectCount: number;
  private readonly buf: Buffer;
  private readonly hl: number;
  private readonly oidsAt: number;
  private readonly crcsAt: number;
  private readonly offsetsAt: number;
  private readonly largeAt: number;
  private readonly largeCount: number;

  constructor(buf: Buffer, algo: HashAlgorithm) {
    this.buf = buf;
    this.algo = algo;
    this.hl = hashLength(algo);
    if (buf.length < IDX_HEADER_LENGTH + FANOUT_LENGTH + 2 * this.hl) throw corrupt('file too short');
    if (!buf.subarray(0, 4).equals(IDX_MAGIC)) throw corrupt('not a version 2 index (bad magic)');
    const version = buf.readUInt32BE(4);
    if (version !== IDX_VERSION) throw corrupt(`unsupported index version ${version}`);
    let previous = 0;
    for (let b = 0; b < FANOUT_ENTRIES; b++) {
      const value = buf.readUInt32BE(IDX_HEADER_LENGTH + b * 4);
      if (value < previous) throw corrupt('fanout table is not monotonic');
      previous = value;
    }
    const n = previous;
    this.objectCount = n;
    this.oidsAt = IDX_HEADER_LENGTH + FANOUT_LENGTH;
    this.crcsAt = this.oidsAt + n * this.hl;
    this.offsetsAt = this.crcsAt + n * 4;
    this.largeAt = this.offsetsAt + n * 4;
    const rest = buf.length - this.largeAt - 2 * this.hl;
    if (rest < 0 || rest % 8 !== 0) throw corrupt('size does not match the object count');
    this.largeCount = rest / 8;
  }

  /** Hash of the pack this index describes, as recorded in the index. */
  get packHash(): Buffer {
    const at = this.buf.length - 2 * this.hl;
    return this.buf.subarray(at, at + this.hl);
  }

  /** True when the trailing checksum matches the index's contents. */
  verifyChecksum(): boolean {
    const at = this.buf.length - this.hl;
    return createChecksumHasher(this.algo).update(this.buf.subarray(0, at)).digest().equals(this.buf.subarray(at));
  }

  /** Position of `oid` in sorted order, or -1. */
  find(oid: string): number {
    if (oid.length !== this.hl * 2) return -1;
    const key = Buffer.from(oid, 'hex');
    if (key.length !== this.hl) return -1;
    return this.findRaw(key);
  }

  findRaw(key: Buffer): number {
    const first = key[0]!;
    let lo = first === 0 ? 0 : this.buf.readUInt32BE(IDX_HEADER_LENGTH + (first - 1) * 4);
    let hi = this.buf.readUInt32BE(IDX_HEADER_LENGTH + first * 4);
    const hl = this.hl;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.oidsAt + mid * hl;
      const cmp = this.buf.compare(key, 0, hl, at, at + hl);
      if (cmp === 0) return mid;
      // compare() ordered the index bytes against the key.
      if (cmp < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  oidAt(position: number): string {
    const at = this.oidsAt + position * this.hl;
    return this.buf.toString('hex', at, at + this.hl);
  }

  crcAt(position: number): number {
    return this.buf.readUInt32BE(this.crcsAt + position * 4);
  }

  offsetAt(position: number): number {
    const small = this.buf.readUInt32BE(this.offsetsAt + position * 4);
    if (!(small & LARGE_OFFSET_FLAG)) return small;
    const slot = small & ~LARGE_OFFSET_FLAG;
    if (slot >= this.largeCount) throw corrupt(`large offset slot ${slot} out of range`);
    return Number(this.buf.readBigUInt64BE(this.largeAt + slot * 8));
  }

  *oids(): IterableIterator<string> {
    for (let i = 0; i < this.objectCount; i++) yield this.oidAt(i);
  }
}
