import zlib from 'node:zlib';
import { PACK_ERROR, badObject } from './pack-errors.js';
import { inflateEntry } from './inflate.js';

/** The parts of node's zlib object used here (stable since Node 10; minizlib relies on them too). */
interface NativeZlib {
  writeSync(
    flush: number,
    input: Buffer,
    inOffset: number,
    inLength: number,
    out: Buffer,
    outOffset: number,
    outLength: number,
  ): void;
  reset(): void;
}

interface Engine {
  handle: NativeZlib;
  /** [output bytes left, input bytes left] after each write. */
  state: Uint32Array;
  /** The stream's error slot, which node sets (and closes the stream) when zlib fails. */
  error(): Error | null | undefined;
}

/**
 * Inflates many small pack entries, one after another, through one zlib
 * stream that is reset between entries. `zlib.inflateSync` builds and tears
 * down a zlib stream per call, which costs several times more than the
 * inflation itself when a clone's walk reads tens of thousands of small
 * trees. Falls back to inflateSync when node's internals are not as expected.
 */
export class EntryInflater {
  private engine: Engine | null | undefined;

  /** Inflates the zlib stream at the start of `input` (which may hold more after it) to exactly `size` bytes. */
  inflate(input: Buffer, size: number, entryOffset: number): Buffer {
    const engine = this.engine === undefined ? (this.engine = createEngine()) : this.engine;
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

type InflateInternals = zlib.Inflate & { _handle?: Partial<NativeZlib>; _writeState?: Uint32Array } & Record<symbol, unknown>;

function createEngine(): Engine | null {
  const stream = zlib.createInflate() as InflateInternals;
  const handle = stream._handle;
  const state = stream._writeState;
  const kError = Object.getOwnPropertySymbols(stream).find((symbol) => symbol.description === 'kError');
  if (
    !handle ||
    typeof handle.writeSync !== 'function' ||
    typeof handle.reset !== 'function' ||
    !(state instanceof Uint32Array) ||
    !kError
  ) {
    return null;
  }
  // node also emits the failure as an event, later; nobody else listens.
  stream.on('error', () => undefined);
  return { handle: handle as NativeZlib, state, error: () => stream[kError] as Error | null | undefined };
}

function fallback(input: Buffer, size: number, entryOffset: number): Buffer {
  const inflated = inflateEntry(input, size, entryOffset);
  if (!inflated) throw badObject(PACK_ERROR.zlib, entryOffset, 'zlib stream runs past the end of the entry');
  return inflated.data;
}
