import { LimitError } from '../errors.js';
import type { ObjectType } from '../objects/object-type.js';
import { PACK_ERROR } from './pack-errors.js';

/**
 * Objects (and deltas) bigger than this are never held whole: they are
 * inflated, hashed and applied in pieces, and a big delta base is kept in a
 * spill file instead of memory. Below it the one-shot paths stay, which are
 * the fast ones for the small objects that make up nearly every pack.
 */
export const STREAM_THRESHOLD = 16 * 1024 * 1024;

/**
 * Commits, trees and tags are parsed whole (connectivity, fsck, rules), so
 * they are held in memory; above this size one is refused rather than let a
 * push choose how much memory the server spends. Real trees and commits stay
 * far below it (a tree of 100,000 entries is about 4 MiB).
 */
export const MAX_NON_BLOB_SIZE = 64 * 1024 * 1024;

/** The pieces in which streamed content is inflated, copied and hashed. */
export const PIECE_SIZE = 1024 * 1024;

/** Whether an object of this type and size is held in memory (else streamed). */
export function isHeld(type: ObjectType, size: number): boolean {
  return type !== 'blob' || size <= STREAM_THRESHOLD;
}

/** Refuses a commit, tree or tag too big to be parsed in memory. */
export function checkNonBlobSize(type: ObjectType, size: number, offset: number): void {
  if (type !== 'blob' && size > MAX_NON_BLOB_SIZE) {
    throw new LimitError(
      PACK_ERROR.nonBlobTooLarge,
      `${type} at offset ${offset} is too large (${size} bytes; commits, trees and tags are limited to ${MAX_NON_BLOB_SIZE})`,
      { offset, size, limit: MAX_NON_BLOB_SIZE },
    );
  }
}
