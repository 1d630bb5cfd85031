/**
 * Varints of a pack entry: the type+size header that starts every entry and
 * the negative base offset of an OFS_DELTA. Decoders return null when the
 * buffer ends before the varint does, so a streaming caller can fetch more.
 */

/** Longest header we accept: enough for sizes up to 2^53. */
const MAX_SIZE_VARINT_BYTES = 8;
const MAX_OFFSET_VARINT_BYTES = 8;

export interface EntryHeader {
  /** Pack type code: 1-4 objects, 6 OFS_DELTA, 7 REF_DELTA. */
  typeCode: number;
  /** Inflated size of the entry's data (the delta's own size for deltas). */
  size: number;
  /** Bytes taken by the header. */
  length: number;
}

export class VarintOverflowError extends Error {}

export function decodeEntryHeader(buf: Buffer, pos: number, end = buf.length): EntryHeader | null {
  if (pos >= end) return null;
  let byte = buf[pos]!;
  const typeCode = (byte >> 4) & 7;
  let size = byte & 15;
  let multiplier = 16;
  let i = pos + 1;
  while (byte & 0x80) {
    if (i >= end) return null;
    if (i - pos >= MAX_SIZE_VARINT_BYTES) throw new VarintOverflowError('object size varint too long');
    byte = buf[i++]!;
    size += (byte & 0x7f) * multiplier;
    multiplier *= 128;
  }
  return { typeCode, size, length: i - pos };
}

export function encodeEntryHeader(typeCode: number, size: number): Buffer {
  const bytes: number[] = [];
  let rest = Math.floor(size / 16);
  let byte = (typeCode << 4) | (size % 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest % 128;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

export interface OfsOffset {
  /** Distance back from the delta's own offset to its base. */
  distance: number;
  length: number;
}

/** OFS_DELTA distance: big-endian 7-bit groups, each continuation adding one. */
export function decodeOfsDistance(buf: Buffer, pos: number, end = buf.length): OfsOffset | null {
  if (pos >= end) return null;
  let byte = buf[pos]!;
  let distance = byte & 0x7f;
  let i = pos + 1;
  while (byte & 0x80) {
    if (i >= end) return null;
    if (i - pos >= MAX_OFFSET_VARINT_BYTES) throw new VarintOverflowError('delta base offset varint too long');
    byte = buf[i++]!;
    distance = (distance + 1) * 128 + (byte & 0x7f);
  }
  return { distance, length: i - pos };
}

export function encodeOfsDistance(distance: number): Buffer {
  const bytes = [distance % 128];
  let rest = Math.floor(distance / 128);
  while (rest > 0) {
    rest -= 1;
    bytes.unshift(0x80 | (rest % 128));
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}
