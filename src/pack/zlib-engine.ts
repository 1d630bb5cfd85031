import zlib from 'node:zlib';

/** The parts of node's zlib object used here (stable since Node 10; minizlib relies on them too). */
export interface NativeZlib {
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

/**
 * A synchronous inflate stream on node's native zlib handle. The public API
 * offers either one-shot calls (which need the whole output in memory) or
 * asynchronous streams (a thread-pool round trip per piece); this drives the
 * same engine piece by piece, in the caller's own turn of the event loop.
 */
export interface ZlibEngine {
  handle: NativeZlib;
  /** [output bytes left, input bytes left] after each write. */
  state: Uint32Array;
  /** The stream's error slot, which node sets (and closes the stream) when zlib fails. */
  error(): Error | null | undefined;
}

type InflateInternals = zlib.Inflate & { _handle?: Partial<NativeZlib>; _writeState?: Uint32Array } & Record<symbol, unknown>;

/** A new inflate engine, or null when node's internals are not as expected (callers then fall back to one-shot calls). */
export function createInflateEngine(): ZlibEngine | null {
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
