import zlib from 'node:zlib';
import { PACK_ERROR, badObject } from './pack-errors.js';
import { inflateEntry } from './inflate.js';
import { createInflateEngine, type ZlibEngine } from './zlib-engine.js';

/**
 * Inflates many small pack entries, one after another, through one zlib
 * stream that is reset between entries. `zlib.inflateSync` builds and tears
 * down a zlib stream per call, which costs several times more than the
 * inflation itself when a clone's walk reads tens of thousands of small
 * trees. Falls back to inflateSync when node's internals are not as expected.
 */
export class EntryInflater {
  private engine: ZlibEngine | null | undefined;

  /** Inflates the zlib stream at the start of `input` (which may hold more after it) to exactly `size` bytes. */
  inflate(input: Buffer, size: number, entryOffset: number): Buffer {
    const engine = this.engine === undefined ? (this.engine = createInflateEngine()) : this.engine;
    if (!engine) return fallback(input, size, entryOffset);
    const out = Buffer.allocUnsafe(size + 1);
    engine.handle.writeSync(zlib.constants.Z_FINISH, input, 0, input.length, out, 0, out.length);
    const error = engine.error();
    if (error) {
      const message = error.message;
      this.engine = undefined; // the errored stream was closed; the next entry gets a new one
      throw badObject(PACK_ERROR.zlib, entryOffset, `inflate failed (${message})`);
    }
    const produced = out.length - engine.state[0]!;
    engine.handle.reset();
    if (produced !== size) {
      throw badObject(
        PACK_ERROR.inflatedSize,
        entryOffset,
        `inflated size mismatch (declared ${size}, got ${produced > size ? 'more' : produced})`,
      );
    }
    return out.subarray(0, size);
  }
}

function fallback(input: Buffer, size: number, entryOffset: number): Buffer {
  const inflated = inflateEntry(input, size, entryOffset);
  if (!inflated) throw badObject(PACK_ERROR.zlib, entryOffset, 'zlib stream runs past the end of the entry');
  return inflated.data;
}
