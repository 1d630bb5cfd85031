import { constants as bufferConstants } from 'node:buffer';
import zlib from 'node:zlib';
import { PACK_ERROR, badObject, objectTooLarge } from './pack-errors.js';

export interface Inflated {
  data: Buffer;
  /** Compressed bytes the zlib stream took, i.e. where the entry ends. */
  consumed: number;
}

/** Input ended inside the zlib stream: a streaming caller should fetch more. */
export const NEED_MORE_INPUT = null;

const Z_BUF_ERROR = zlib.constants.Z_BUF_ERROR;
/**
 * Output is allocated in chunks of at most this size, so a header that
 * claims gigabytes costs memory only as real data inflates.
 */
const MAX_OUTPUT_CHUNK = 16 * 1024 * 1024;
/** The biggest Buffer this Node can make. */
const MAX_BUFFER = bufferConstants.MAX_LENGTH;

/**
 * Inflates one entry's zlib stream from the start of `input`, which may hold
 * more bytes after it. The output is capped at the declared size, so a
 * deflate bomb cannot allocate beyond what the header promised.
 * Returns NEED_MORE_INPUT when `input` ends inside the stream.
 */
export function inflateEntry(input: Buffer, size: number, entryOffset: number): Inflated | typeof NEED_MORE_INPUT {
  if (size >= MAX_BUFFER) throw objectTooLarge(entryOffset, size, MAX_BUFFER - 1);
  let result: { buffer: Buffer; engine: zlib.Inflate };
  try {
    result = zlib.inflateSync(input, {
      info: true,
      // Usually one output chunk that fits the object plus one byte: no concatenation, and overflow shows.
      chunkSize: Math.max(64, Math.min(size + 1, MAX_OUTPUT_CHUNK)),
      maxOutputLength: size + 1,
    }) as unknown as { buffer: Buffer; engine: zlib.Inflate };
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { errno?: number };
    if (err.errno === Z_BUF_ERROR) return NEED_MORE_INPUT;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') {
      throw badObject(PACK_ERROR.inflatedSize, entryOffset, `inflated size mismatch (more than the declared ${size} bytes)`, {
        declared: size,
      });
    }
    throw badObject(PACK_ERROR.zlib, entryOffset, `inflate returned ${err.errno ?? '?'} (${err.message})`);
  }
  const data = result.buffer;
  if (data.length !== size) {
    throw badObject(PACK_ERROR.inflatedSize, entryOffset, `inflated size mismatch (declared ${size}, got ${data.length})`, {
      declared: size,
      actual: data.length,
    });
  }
  return { data, consumed: result.engine.bytesWritten };
}
