import { PACK_TYPE } from '../objects/object-type.js';

/**
 * What the indexer remembers about each entry, in pack (offset) order, in
 * flat typed arrays so that a pack of millions of objects costs tens of
 * bytes per object and no per-object JS objects.
 */
export class ObjectTable {
  count = 0;
  readonly hashLength: number;
  offsets: Float64Array;
  /** Entry header length (incl. OFS distance / REF base id): data starts at offset + headerLength. */
  headerLengths: Uint8Array;
  /** Inflated size of the entry data (for deltas: the delta itself). */
  sizes: Float64Array;
  crcs: Uint32Array;
  /** Type code as stored (1-4, 6, 7). */
  packTypes: Uint8Array;
  /** Object type code (1-4) once known; 0 while an unresolved delta. */
  objectTypes: Uint8Array;
  /** OFS_DELTA base offset, -1 otherwise. */
  baseOffsets: Float64Array;
  /** Raw object ids, valid where objectTypes is non-zero. */
  oids: Buffer;

  constructor(hashLength: number, initialCapacity: number) {
    this.hashLength = hashLength;
    const capacity = Math.max(16, initialCapacity);
    this.offsets = new Float64Array(capacity);
    this.headerLengths = new Uint8Array(capacity);
    this.sizes = new Float64Array(capacity);
    this.crcs = new Uint32Array(capacity);
    this.packTypes = new Uint8Array(capacity);
    this.objectTypes = new Uint8Array(capacity);
    this.baseOffsets = new Float64Array(capacity);
    this.oids = Buffer.alloc(capacity * hashLength);
  }

  get capacity(): number {
    return this.offsets.length;
  }

  /** Adds an entry and returns its number. */
  add(offset: number, headerLength: number, packType: number, size: number, crc: number, baseOffset: number): number {
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.offsets[i] = offset;
    this.headerLengths[i] = headerLength;
    this.packTypes[i] = packType;
    this.sizes[i] = size;
    this.crcs[i] = crc;
    this.baseOffsets[i] = baseOffset;
    this.objectTypes[i] = packType < PACK_TYPE.ofsDelta ? packType : 0;
    return i;
  }

  isDelta(i: number): boolean {
    return this.packTypes[i]! >= PACK_TYPE.ofsDelta;
  }

  dataOffset(i: number): number {
    return this.offsets[i]! + this.headerLengths[i]!;
  }

  oidHex(i: number): string {
    return this.oids.toString('hex', i * this.hashLength, (i + 1) * this.hashLength);
  }

  setOid(i: number, oid: Buffer): void {
    oid.copy(this.oids, i * this.hashLength);
  }

  /** Entry starting exactly at `offset`, or -1 (binary search: entries are in offset order). */
  findByOffset(offset: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.offsets[mid]!;
      if (value === offset) return mid;
      if (value < offset) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const grown = <T extends Float64Array | Uint8Array | Uint32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.offsets = grown(this.offsets, (n) => new Float64Array(n));
    this.headerLengths = grown(this.headerLengths, (n) => new Uint8Array(n));
    this.sizes = grown(this.sizes, (n) => new Float64Array(n));
    this.crcs = grown(this.crcs, (n) => new Uint32Array(n));
    this.packTypes = grown(this.packTypes, (n) => new Uint8Array(n));
    this.objectTypes = grown(this.objectTypes, (n) => new Uint8Array(n));
    this.baseOffsets = grown(this.baseOffsets, (n) => new Float64Array(n));
    const oids = Buffer.alloc(capacity * this.hashLength);
    this.oids.copy(oids);
    this.oids = oids;
  }
}
