import zlib from 'node:zlib';
import { PIECE_SIZE } from './big-objects.js';
import type { FileWindow } from './file-window.js';
import { PACK_ERROR, badObject } from './pack-errors.js';
import type { Turns } from './turns.js';
import { createInflateEngine, type ZlibEngine } from './zlib-engine.js';

/**
 * One entry's zlib stream inflated piece by piece into a reused output
 * buffer, so that an object of any size costs one piece of memory. The
 * output is capped at the declared size (plus one byte, so that overflow
 * shows). The stream has ended when zlib stops taking input while it still
 * has room to write: it takes nothing after its checksum.
 */
export class PieceInflater {
  readonly out = Buffer.allocUnsafe(PIECE_SIZE);
  /** Bytes written so far. */
  produced = 0;
  ended = false;

  private constructor(
    private readonly engine: ZlibEngine,
    readonly size: number,
    readonly entryOffset: number,
  ) {}

  /** null when node's zlib internals are not as expected: the caller then inflates whole. */
  static create(size: number, entryOffset: number): PieceInflater | null {
    const engine = createInflateEngine();
    return engine && new PieceInflater(engine, size, entryOffset);
  }

  /**
   * Feeds input[start, end) (which may be empty, to collect output zlib
   * still holds). Returns how much input zlib took and how many bytes it
   * wrote to out[0…].
   */
  write(input: Buffer, start: number, end: number): { consumed: number; produced: number } {
    const room = Math.min(this.out.length, this.size - this.produced + 1);
    const { handle, state } = this.engine;
    handle.writeSync(zlib.constants.Z_NO_FLUSH, input, start, end - start, this.out, 0, room);
    const error = this.engine.error();
    if (error) throw badObject(PACK_ERROR.zlib, this.entryOffset, `inflate failed (${error.message})`);
    const outLeft = state[0]!;
    const inLeft = state[1]!;
    const produced = room - outLeft;
    this.produced += produced;
    if (this.produced > this.size) {
      throw badObject(
        PACK_ERROR.inflatedSize,
        this.entryOffset,
        `inflated size mismatch (more than the declared ${this.size} bytes)`,
        {
          declared: this.size,
        },
      );
    }
    if (inLeft > 0 && outLeft > 0) this.ended = true;
    return { consumed: end - start - inLeft, produced };
  }

  /** Throws unless exactly the declared size came out. */
  checkSize(): void {
    if (this.produced !== this.size) {
      throw badObject(
        PACK_ERROR.inflatedSize,
        this.entryOffset,
        `inflated size mismatch (declared ${this.size}, got ${this.produced})`,
        { declared: this.size, actual: this.produced },
      );
    }
  }
}

/**
 * Inflates the entry data stored at [start, end) of a pack file that was
 * already checked when it was received, yielding the output in pieces (each
 * valid until the next is asked for).
 */
export async function* inflateStoredPieces(
  window: FileWindow,
  start: number,
  end: number,
  size: number,
  entryOffset: number,
  turns: Turns,
): AsyncGenerator<Buffer> {
  const inflater = PieceInflater.create(size, entryOffset);
  if (!inflater) {
    const whole = zlib.inflateSync(window.read(start, end), { maxOutputLength: size + 1 });
    if (whole.length !== size) throw badObject(PACK_ERROR.inflatedSize, entryOffset, 'inflated size mismatch');
    yield whole;
    return;
  }
  let at = start;
  for (;;) {
    // Read again every time: the consumer may have moved the window meanwhile.
    const input = window.read(at, Math.min(end, at + PIECE_SIZE));
    const { consumed, produced } = inflater.write(input, 0, input.length);
    at += consumed;
    if (produced > 0) yield inflater.out.subarray(0, produced);
    // A stream that ends exactly at the entry's end shows no leftover input; the size says it is complete.
    if (inflater.ended || (at >= end && produced === 0)) break;
    await turns.maybe();
  }
  inflater.checkSize();
}
