import { PIECE_SIZE } from './big-objects.js';
import { badDelta, copyOpLength, decodeCopyOp, readDeltaSizes, type CopyOp, type DeltaSizes } from './delta.js';
import type { SpillFile } from './spill-file.js';
import type { Turns } from './turns.js';

/** A delta base: in memory, or spilled to disk when big. */
export type DeltaBase = Buffer | SpillFile;

/** Takes the result piece by piece; each piece is valid only during the call. */
export type PieceSink = (piece: Buffer) => void;

/** The longest size header: two varints of at most 10 bytes. */
const MAX_SIZE_HEADER = 20;

/**
 * Applies a delta (the format delta.ts describes) whose instructions arrive
 * in pieces, to a base in memory or in a spill file, handing the result out
 * in pieces: none of the three is ever needed whole in memory, so a small
 * delta that builds gigabytes costs no more than one piece. `start` is told
 * the sizes before any output and returns where the result goes.
 */
export async function applyDeltaPieces(
  pieces: AsyncIterable<Buffer> | Iterable<Buffer>,
  base: DeltaBase,
  start: (sizes: DeltaSizes) => PieceSink,
  turns: Turns,
): Promise<DeltaSizes> {
  let sizes: DeltaSizes | undefined;
  let out: PieceOutput | undefined;
  /** Bytes of an op cut by the end of the previous piece. */
  let carry: Buffer | undefined;
  let insertLeft = 0;
  const copy: CopyOp = { offset: 0, size: 0 };
  for await (const next of pieces) {
    let piece = carry ? Buffer.concat([carry, next]) : next;
    carry = undefined;
    let pos = 0;
    if (!sizes) {
      if (piece.length < MAX_SIZE_HEADER && !headerIsComplete(piece)) {
        carry = Buffer.from(piece);
        continue;
      }
      sizes = readDeltaSizes(piece);
      if (sizes.baseSize !== base.length) {
        throw badDelta(`base size ${base.length} does not match the delta's ${sizes.baseSize}`);
      }
      out = new PieceOutput(start(sizes), sizes.resultSize);
      pos = sizes.opsStart;
    }
    const output = out!;
    while (pos < piece.length) {
      if (insertLeft > 0) {
        const n = Math.min(insertLeft, piece.length - pos);
        output.write(piece, pos, n);
        pos += n;
        insertLeft -= n;
        continue;
      }
      const op = piece[pos]!;
      if (op & 0x80) {
        const length = copyOpLength(op);
        if (pos + length > piece.length) {
          carry = Buffer.from(piece.subarray(pos));
          break;
        }
        pos = decodeCopyOp(piece, pos + 1, op, copy);
        const { offset, size } = copy;
        if (offset + size > base.length) throw badDelta('copy op reads past the end of the base');
        if (output.written + size > output.size) throw badDelta('copy op writes past the declared result size');
        await copyFromBase(base, offset, size, output, turns);
      } else if (op !== 0) {
        pos++;
        if (output.written + op > output.size) throw badDelta('insert op writes past the declared result size');
        insertLeft = op;
      } else {
        throw badDelta('reserved op 0');
      }
      if (turns.due()) await turns.give();
    }
  }
  if (!sizes) throw badDelta('truncated size header');
  if (carry) throw badDelta('truncated copy op');
  if (insertLeft > 0) throw badDelta('truncated insert op');
  if (out!.written !== sizes.resultSize)
    throw badDelta(`result is ${out!.written} bytes, the delta declares ${sizes.resultSize}`);
  out!.flush();
  return sizes;
}

function headerIsComplete(piece: Buffer): boolean {
  let varints = 0;
  for (const byte of piece) if (!(byte & 0x80) && ++varints === 2) return true;
  return false;
}

async function copyFromBase(base: DeltaBase, offset: number, size: number, out: PieceOutput, turns: Turns): Promise<void> {
  if (Buffer.isBuffer(base)) {
    out.write(base, offset, size);
    return;
  }
  for (let at = offset; at < offset + size; at += PIECE_SIZE) {
    const end = Math.min(offset + size, at + PIECE_SIZE);
    out.write(base.read(at, end), 0, end - at);
    await turns.maybe();
  }
}

/** Gathers the result into pieces of PIECE_SIZE (a big result) or one buffer of its size (a small one). */
class PieceOutput {
  written = 0;
  private readonly buf: Buffer;
  private used = 0;

  constructor(
    private readonly sink: PieceSink,
    readonly size: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, Math.min(size, PIECE_SIZE)));
  }

  write(src: Buffer, start: number, length: number): void {
    this.written += length;
    let at = start;
    const end = start + length;
    while (at < end) {
      const n = Math.min(end - at, this.buf.length - this.used);
      src.copy(this.buf, this.used, at, at + n);
      this.used += n;
      at += n;
      if (this.used === this.buf.length) this.flush();
    }
  }

  flush(): void {
    if (this.used === 0) return;
    this.sink(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}
