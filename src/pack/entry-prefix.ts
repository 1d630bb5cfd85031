import { PACK_TYPE, objectTypeFromCode } from '../objects/object-type.js';
import { VarintOverflowError, decodeEntryHeader, decodeOfsDistance } from './entry-header.js';
import { PACK_ERROR, badObject } from './pack-errors.js';

/** Everything before an entry's zlib data. */
export interface EntryPrefix {
  typeCode: number;
  /** Inflated size of the entry's data. */
  size: number;
  /** Bytes before the zlib data. */
  headerLength: number;
  /** OFS_DELTA: pack offset of the base; -1 otherwise. */
  baseOffset: number;
  /** REF_DELTA: start of the raw base id in `buf`; -1 otherwise. */
  baseOidAt: number;
}

/**
 * Parses the entry starting at buf[pos], which sits at pack offset `offset`.
 * Returns null when `buf` ends first; throws on a malformed header.
 */
export function parseEntryPrefix(buf: Buffer, pos: number, hashLength: number, offset: number): EntryPrefix | null {
  try {
    const head = decodeEntryHeader(buf, pos);
    if (!head) return null;
    const { typeCode, size } = head;
    let headerLength = head.length;
    let baseOffset = -1;
    let baseOidAt = -1;
    if (typeCode === PACK_TYPE.ofsDelta) {
      const ofs = decodeOfsDistance(buf, pos + headerLength);
      if (!ofs) return null;
      headerLength += ofs.length;
      baseOffset = offset - ofs.distance;
      if (ofs.distance <= 0 || baseOffset <= 0) {
        throw badObject(PACK_ERROR.ofsOutOfRange, offset, 'delta base offset is out of bound', { distance: ofs.distance });
      }
    } else if (typeCode === PACK_TYPE.refDelta) {
      if (pos + headerLength + hashLength > buf.length) return null;
      baseOidAt = pos + headerLength;
      headerLength += hashLength;
    } else if (!objectTypeFromCode(typeCode)) {
      throw badObject(PACK_ERROR.objectType, offset, `unknown object type ${typeCode}`, { typeCode });
    }
    return { typeCode, size, headerLength, baseOffset, baseOidAt };
  } catch (error) {
    if (error instanceof VarintOverflowError) throw badObject(PACK_ERROR.objectHeader, offset, error.message);
    throw error;
  }
}
