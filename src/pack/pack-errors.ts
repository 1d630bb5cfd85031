import { LimitError, PackError } from '../errors.js';

/** Stable codes for everything that can be wrong with a pack or its index. */
export const PACK_ERROR = {
  header: 'E_PACK_HEADER',
  truncated: 'E_PACK_TRUNCATED',
  trailer: 'E_PACK_TRAILER',
  zlib: 'E_PACK_ZLIB',
  inflatedSize: 'E_PACK_INFLATED_SIZE',
  objectType: 'E_PACK_OBJECT_TYPE',
  objectHeader: 'E_PACK_OBJECT_HEADER',
  delta: 'E_PACK_DELTA',
  unresolvedDelta: 'E_PACK_UNRESOLVED_DELTA',
  ofsOutOfRange: 'E_PACK_OFS_OUT_OF_RANGE',
  objectCount: 'E_PACK_OBJECT_COUNT',
  trailingGarbage: 'E_PACK_TRAILING_GARBAGE',
  thinBase: 'E_PACK_THIN_BASE',
  idx: 'E_PACK_IDX',
  packMismatch: 'E_PACK_MISMATCH',
  tooLarge: 'E_PACK_TOO_LARGE',
  objectTooLarge: 'E_OBJECT_TOO_LARGE',
  nonBlobTooLarge: 'E_PACK_NON_BLOB_TOO_LARGE',
} as const;

/** git's wording for a problem with one entry: "pack has bad object at offset N: ...". */
export function badObject(code: string, offset: number, detail: string, data: Record<string, unknown> = {}): PackError {
  return new PackError(code, `pack has bad object at offset ${offset}: ${detail}`, { offset, ...data });
}

export function truncatedPack(offset: number): PackError {
  return new PackError(PACK_ERROR.truncated, 'early EOF', { offset });
}

export function packTooLarge(limit: number): LimitError {
  return new LimitError(PACK_ERROR.tooLarge, 'pack exceeds maximum allowed size', { limit });
}

export function objectTooLarge(offset: number, size: number, limit: number): LimitError {
  return new LimitError(PACK_ERROR.objectTooLarge, `object at offset ${offset} is too large (${size} bytes, limit ${limit})`, {
    offset,
    size,
    limit,
  });
}
