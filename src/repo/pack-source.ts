import type { SpilledContent } from '../objects/object-reader.js';
import type { GitObject, ObjectType } from '../objects/object-type.js';
import type { HashAlgorithm } from '../objects/oid.js';

/** What the object database needs from one pack (+ its .idx); pack/'s PackReader provides it. */
export interface PackedObjectSource {
  has(oid: string): boolean;
  read(oid: string): Promise<GitObject | null>;
  info(oid: string): Promise<{ type: ObjectType; size: number } | null>;
  /** See ObjectReader.readLarge. */
  readLarge?(oid: string, spillDir: string): Promise<{ type: ObjectType; content: Buffer | SpilledContent } | null>;
  oids(): Iterable<string>;
  readonly objectCount: number;
  close(): Promise<void>;
}

export type PackOpener = (packPath: string, algo: HashAlgorithm) => Promise<PackedObjectSource>;
