import type { GitObject, ObjectType } from './object-type.js';
import type { HashAlgorithm } from './oid.js';

/**
 * Read access to some set of objects (a pack, the repository, a quarantine
 * layered over the repository). Kept here, at the bottom, so that pack/ can
 * resolve thin-pack bases without depending on repo/.
 */
export interface ObjectReader {
  readonly algo: HashAlgorithm;
  has(oid: string): Promise<boolean>;
  /** The whole object, or null when it is not there. */
  read(oid: string): Promise<GitObject | null>;
  /** Type and size, without building the content where that can be avoided. */
  info(oid: string): Promise<{ type: ObjectType; size: number } | null>;
}
