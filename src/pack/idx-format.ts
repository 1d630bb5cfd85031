/** Layout constants of pack index v2 (gitformat-pack "Version 2 pack-*.idx files"). */
export const IDX_MAGIC = Buffer.from([0xff, 0x74, 0x4f, 0x63]); // "\377tOc"
export const IDX_VERSION = 2;
export const IDX_HEADER_LENGTH = 8;
export const FANOUT_ENTRIES = 256;
export const FANOUT_LENGTH = FANOUT_ENTRIES * 4;
/** Offsets above this go to the 64-bit table, as git does. */
export const MAX_SMALL_OFFSET = 0x7fffffff;
export const LARGE_OFFSET_FLAG = 0x80000000;
