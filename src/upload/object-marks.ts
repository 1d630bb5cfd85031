import type { GitObject } from '../objects/object-type.js';
import { packNumberOf, positionOf, type PackedRef, type UploadObjects } from './object-access.js';

/** An object during a walk: a PackedRef when some pack has it, else its hex id (loose). */
export type ObjectId = PackedRef | string;

export const SENT = 1;
/** The client is known to have it (a possible thin-pack base). */
export const CLIENT_HAS = 2;
/** A name hash was recorded (see setName). */
const NAMED = 4;
/** Recorded as a tree entry (else a blob). */
const TREE = 8;

/**
 * Flags per object for one walk, in a byte array per pack indexed by
 * position (no hashing of hex strings), and a map for loose objects.
 */
export class ObjectMarks {
  private readonly packed: (Uint8Array | undefined)[];
  private readonly loose = new Map<string, number>();
  /** Name hashes of tree entries (git's pack_name_hash), for finding delta bases by path. */
  private readonly names: (Uint32Array | undefined)[];
  private readonly looseNames = new Map<string, number>();
  /** Every flag set on some object so far. */
  private used = 0;

  constructor(private readonly objects: UploadObjects) {
    this.packed = objects.packs.map(() => undefined);
    this.names = objects.packs.map(() => undefined);
  }

  /** Records the name an object was found under (the first one wins). */
  setName(id: ObjectId, hash: number, isTree: boolean): void {
    if (this.get(id) & NAMED) return;
    this.mark(id, NAMED | (isTree ? TREE : 0));
    if (typeof id === 'string') this.looseNames.set(id, hash);
    else {
      const n = packNumberOf(id);
      (this.names[n] ??= new Uint32Array(this.objects.packs[n]!.objectCount))[positionOf(id)] = hash;
    }
  }

  /** Name hash and kind as one number (hash × 2 + 1 for trees), or undefined when no name was recorded. */
  nameKey(id: ObjectId): number | undefined {
    const flags = this.get(id);
    if (!(flags & NAMED)) return undefined;
    const hash = typeof id === 'string' ? this.looseNames.get(id)! : this.names[packNumberOf(id)]![positionOf(id)]!;
    return hash * 2 + (flags & TREE ? 1 : 0);
  }

  /** The id of the raw object id at bytes[at…]. */
  idOfRaw(bytes: Buffer, at: number, hexLength: number): ObjectId {
    const ref = this.objects.lookupRaw(bytes, at);
    return ref >= 0 ? ref : bytes.toString('hex', at, at + hexLength / 2);
  }

  idOf(oid: string): ObjectId {
    const ref = this.objects.lookup(oid);
    return ref >= 0 ? ref : oid;
  }

  hexOf(id: ObjectId): string {
    return typeof id === 'string' ? id : this.objects.hexOf(id);
  }

  get(id: ObjectId): number {
    if (typeof id === 'string') return this.loose.get(id) ?? 0;
    return this.packed[packNumberOf(id)]?.[positionOf(id)] ?? 0;
  }

  /** Whether any object has `flag`. */
  any(flag: number): boolean {
    return (this.used & flag) !== 0;
  }

  /** Sets `flag`; false when it was set already. */
  mark(id: ObjectId, flag: number): boolean {
    this.used |= flag;
    if (typeof id === 'string') {
      const old = this.loose.get(id) ?? 0;
      if (old & flag) return false;
      this.loose.set(id, old | flag);
      return true;
    }
    const n = packNumberOf(id);
    const flags = (this.packed[n] ??= new Uint8Array(this.objects.packs[n]!.objectCount));
    const position = positionOf(id);
    if (flags[position]! & flag) return false;
    flags[position]! |= flag;
    return true;
  }

  /** Flags of the object at `position` in pack number `pack`. */
  getAt(pack: number, position: number): number {
    return this.packed[pack]?.[position] ?? 0;
  }

  async read(id: ObjectId): Promise<GitObject | null> {
    return typeof id === 'string' ? this.objects.read(id) : this.objects.readPacked(id);
  }
}
