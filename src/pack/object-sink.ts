import type { ObjectType } from '../objects/object-type.js';
import { objectHeader, type ObjectHasher, type ObjectHasherFactory } from '../objects/oid.js';
import { SpillFile } from './spill-file.js';

/** Where a streamed object's content goes besides its hash. */
export type Keep = { in: 'memory' } | { in: 'spill'; dir: string } | { in: 'nothing' };

/** A streamed object once complete: its id, and its content if it was kept. */
export interface SunkObject {
  oid: Buffer;
  size: number;
  content: Buffer | SpillFile | null;
}

/**
 * Takes one object's content piece by piece as it is inflated or built from
 * a delta: hashes it ("<type> <size>\0" first, as git does) and keeps it in
 * memory, in a spill file, or not at all.
 */
export class ObjectSink {
  private readonly hasher: ObjectHasher;
  private readonly held: Buffer | undefined;
  private readonly spill: SpillFile | undefined;
  private at = 0;

  constructor(
    hasher: ObjectHasherFactory,
    type: ObjectType,
    readonly size: number,
    keep: Keep,
  ) {
    this.hasher = hasher().update(objectHeader(type, size));
    if (keep.in === 'memory') this.held = Buffer.allocUnsafe(size);
    else if (keep.in === 'spill') this.spill = SpillFile.create(keep.dir);
  }

  readonly write = (piece: Buffer): void => {
    this.hasher.update(piece);
    if (this.held) piece.copy(this.held, this.at);
    else if (this.spill) this.spill.append(piece);
    this.at += piece.length;
  };

  finish(): SunkObject {
    return { oid: this.hasher.digest(), size: this.at, content: this.held ?? this.spill ?? null };
  }

  /** Drops what was kept (after a failure). */
  discard(): void {
    this.spill?.close();
  }
}
