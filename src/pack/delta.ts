import { constants as bufferConstants } from 'node:buffer';
import { PackError } from '../errors.js';
import { PACK_ERROR } from './pack-errors.js';

/**
 * git deltas: two size varints (base, result), then ops. An op with the high
 * bit set copies a range of the base (offset/size bytes present per flag
 * bits, size 0 meaning 0x10000); 1..127 inserts that many literal bytes;
 * 0 is reserved and invalid.
 */

export interface DeltaSizes {
  baseSize: number;
  resultSize: number;
  /** Where the ops begin. */
  opsStart: number;
}

const MAX_BUFFER = bufferConstants.MAX_LENGTH;

export function badDelta(detail: string): PackError {
  return new PackError(PACK_ERROR.delta, `bad delta: ${detail}`);
}

function readSize(delta: Buffer, pos: number): [number, number] {
  let size = 0;
  let multiplier = 1;
  let byte: number;
  do {
    if (pos >= delta.length) throw badDelta('truncated size header');
    if (multiplier > 2 ** 49) throw badDelta('size header too long');
    byte = delta[pos++]!;
    size += (byte & 0x7f) * multiplier;
    multiplier *= 128;
  } while (byte & 0x80);
  return [size, pos];
}

export function readDeltaSizes(delta: Buffer): DeltaSizes {
  const [baseSize, afterBase] = readSize(delta, 0);
  const [resultSize, opsStart] = readSize(delta, afterBase);
  return { baseSize, resultSize, opsStart };
}

export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  const { baseSize, resultSize, opsStart } = readDeltaSizes(delta);
  if (baseSize !== base.length) {
    throw badDelta(`base size ${base.length} does not match the delta's ${baseSize}`);
  }
  if (resultSize >= MAX_BUFFER) throw badDelta(`result size ${resultSize} is too large`);
  // Checked before allocating: a few bytes declaring a 4 GiB result must fail
  // without that much memory ever being asked for.
  forEachOp(delta, opsStart, baseSize, resultSize);
  const out = Buffer.allocUnsafe(resultSize);
  forEachOp(delta, opsStart, baseSize, resultSize, (fromBase, from, size, written) => {
    if (fromBase) base.copy(out, written, from, from + size);
    else delta.copy(out, written, from, from + size);
  });
  return out;
}

/** A copy op's arguments; one is reused across ops, so that applying a delta allocates nothing per op. */
export interface CopyOp {
  offset: number;
  size: number;
}

/** How many bytes copy op `op` takes, itself included: one more per flag bit. */
export function copyOpLength(op: number): number {
  let n = 1;
  for (let bit = 0; bit < 7; bit++) if (op & (1 << bit)) n++;
  return n;
}

/**
 * Decodes copy op `op` into `out` from its argument bytes at `pos` (each flag
 * bit says whether that byte of offset/size is present; size 0 means
 * 0x10000). Returns the position after them, past `buf`'s end when the op is
 * truncated (the missing bytes read as 0).
 */
export function decodeCopyOp(buf: Buffer, pos: number, op: number, out: CopyOp): number {
  let offset = 0;
  let size = 0;
  if (op & 0x01) offset = buf[pos++]!;
  if (op & 0x02) offset |= buf[pos++]! << 8;
  if (op & 0x04) offset |= buf[pos++]! << 16;
  if (op & 0x08) offset = (offset | (buf[pos++]! << 24)) >>> 0;
  if (op & 0x10) size = buf[pos++]!;
  if (op & 0x20) size |= buf[pos++]! << 8;
  if (op & 0x40) size |= buf[pos++]! << 16;
  out.offset = offset;
  out.size = size === 0 ? 0x10000 : size;
  return pos;
}

/** Copy `size` bytes from the base (or from the delta itself, for an insert) at `from` to `written` in the result. */
type OpVisitor = (fromBase: boolean, from: number, size: number, written: number) => void;

/** Walks the ops, checking each against the base and the declared result size. */
function forEachOp(delta: Buffer, opsStart: number, baseSize: number, resultSize: number, visit?: OpVisitor): void {
  const end = delta.length;
  let pos = opsStart;
  let written = 0;
  const copy: CopyOp = { offset: 0, size: 0 };
  while (pos < end) {
    const op = delta[pos++]!;
    if (op & 0x80) {
      pos = decodeCopyOp(delta, pos, op, copy);
      if (pos > end) throw badDelta('truncated copy op');
      const { offset, size } = copy;
      if (offset + size > baseSize) throw badDelta('copy op reads past the end of the base');
      if (written + size > resultSize) throw badDelta('copy op writes past the declared result size');
      visit?.(true, offset, size, written);
      written += size;
    } else if (op !== 0) {
      if (pos + op > end) throw badDelta('truncated insert op');
      if (written + op > resultSize) throw badDelta('insert op writes past the declared result size');
      visit?.(false, pos, op, written);
      pos += op;
      written += op;
    } else {
      throw badDelta('reserved op 0');
    }
  }
  if (written !== resultSize) throw badDelta(`result is ${written} bytes, the delta declares ${resultSize}`);
}
