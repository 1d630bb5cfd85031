/** Public surface of pack/: the indexer, the reader and writer, and the format primitives. */
export { indexPack, type IndexPackOptions, type IndexPackResult } from './index-pack.js';
export { PackReader, type RawEntry, type PackReaderOptions } from './pack-reader.js';
export {
  writePack,
  type PackWriterEntry,
  type PackWriterOptions,
  type WholeObjectEntry,
  type StoredEntry,
} from './pack-writer.js';
export { PackIndex } from './idx-reader.js';
export { buildIdx, sortByOid, type IdxEntries } from './idx-writer.js';
export { applyDelta, readDeltaSizes, type DeltaSizes } from './delta.js';
export { encodeEntryHeader, decodeEntryHeader, encodeOfsDistance, decodeOfsDistance } from './entry-header.js';
export {
  parsePackHeader,
  encodePackHeader,
  isSupportedPackVersion,
  PACK_SIGNATURE,
  PACK_HEADER_LENGTH,
  type PackHeader,
} from './pack-header.js';
export { PACK_ERROR } from './pack-errors.js';
export { STREAM_THRESHOLD, MAX_NON_BLOB_SIZE, PIECE_SIZE } from './big-objects.js';
export { SpillFile } from './spill-file.js';
export { FileWindow } from './file-window.js';
export { inflateStoredPieces } from './piece-inflater.js';
export { Turns } from './turns.js';
export type { Progress, ProgressCallback, ProgressPhase } from './progress.js';
export { GeneratorPack } from './pack-generator-source.js';
export {
  generatePack,
  type CopiedEntry,
  type DeltaBaseCandidate,
  type FreshEntry,
  type GeneratorEntry,
  type PackStats,
} from './pack-generator.js';
