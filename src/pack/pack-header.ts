import { PackError } from '../errors.js';
import { PACK_ERROR } from './pack-errors.js';

export const PACK_SIGNATURE = Buffer.from('PACK', 'latin1');
export const PACK_HEADER_LENGTH = 12;

export interface PackHeader {
  version: number;
  objectCount: number;
}

/** git accepts versions 2 and 3 on input; they share one layout. */
export function isSupportedPackVersion(version: number): boolean {
  return version === 2 || version === 3;
}

/**
 * Parses the 12-byte pack header. The messages are git's own, because
 * receive-pack reports them verbatim on the `unpack` line.
 */
export function parsePackHeader(bytes: Buffer): PackHeader {
  if (bytes.length < PACK_HEADER_LENGTH) {
    throw new PackError(PACK_ERROR.header, 'eof before pack header was fully read', { length: bytes.length });
  }
  if (!bytes.subarray(0, 4).equals(PACK_SIGNATURE)) {
    throw new PackError(PACK_ERROR.header, 'protocol error (pack signature mismatch detected)');
  }
  const version = bytes.readUInt32BE(4);
  if (!isSupportedPackVersion(version)) {
    throw new PackError(PACK_ERROR.header, 'protocol error (pack version unsupported)', { version });
  }
  return { version, objectCount: bytes.readUInt32BE(8) };
}

export function encodePackHeader(objectCount: number, version = 2): Buffer {
  const header = Buffer.alloc(PACK_HEADER_LENGTH);
  PACK_SIGNATURE.copy(header, 0);
  header.writeUInt32BE(version, 4);
  header.writeUInt32BE(objectCount, 8);
  return header;
}
