import type { GitObject, ObjectType } from './object-type.js';
import type { HashAlgorithm } from './oid.js';

/**
 * Read access to some set of objects (a pack, the repository, a quarantine
 * layered over the repository). Kept here, at the bottom, so that pack/ can
 * resolve thin-pack bases without depending on repo/.
 */
/** A content too big to hold, written to a temporary file: read at random in views valid until the next read. */
export interface SpilledContent {
  readonly length: number;
  read(start: number, end: number): Buffer;
  /** Removes it; the owner calls this once done. */
  close(): void;
}

export interface ObjectReader {
  readonly algo: HashAlgorithm;
  has(oid: string): Promise<boolean>;
  /** The whole object, or null when it is not there. */
  read(oid: string): Promise<GitObject | null>;
  /** Type and size, without building the content where that can be avoided. */
  info(oid: string): Promise<{ type: ObjectType; size: number } | null>;
  /**
   * The object, without holding it whole when it is big: in memory, or
   * spilled to a file in `spillDir` that the caller closes. Readers that
   * cannot do this leave it out (callers then use read()).
   */
  readLarge?(oid: string, spillDir: string): Promise<{ type: ObjectType; content: Buffer | SpilledContent } | null>;
}
