import type { HashAlgorithm } from '../objects/oid.js';
import { PackReader } from '../pack/index.js';
import type { PackedObjectSource } from './pack-source.js';

/** The default way to open a pack (and its .idx) for the object database. */
export function openPackSource(packPath: string, algo: HashAlgorithm): Promise<PackedObjectSource> {
  return PackReader.open(packPath, algo);
}
