/**
 * A git delta encoder (the format pack/delta.ts applies): the target as copies
 * from the base and inserted literals. The base is indexed by 16-byte blocks;
 * the target is scanned with a rolling hash over the same window, and each
 * hit is verified and extended both ways. Used for the few objects a fetch
 * cannot send as a stored delta, so simple beats optimal.
 */

const WINDOW = 16;
const MULT = 0x01000193;
/** MULT^(WINDOW-1) mod 2^32: what leaves the rolling hash with the oldest byte. */
const OUT_FACTOR = (() => {
  let f = 1;
  for (let k = 0; k < WINDOW - 1; k++) f = Math.imul(f, MULT);
  return f;
})();
/** Candidates per hash bucket kept (git's delta index caps them too). */
const MAX_BUCKET = 64;
const MAX_COPY = 0xffffff;
const MAX_INSERT = 127;

function windowHash(data: Uint8Array, at: number): number {
  let h = 0;
  for (let k = 0; k < WINDOW; k++) h = (Math.imul(h, MULT) + data[at + k]!) | 0;
  return h;
}

function bucketOf(h: number, mask: number): number {
  return (h ^ (h >>> 15) ^ (h >>> 23)) & mask;
}

/** Delta turning `base` into `target`, or null when it would be bigger than `maxSize` bytes. */
export function createDelta(base: Buffer, target: Buffer, maxSize: number): Buffer | null {
  const out = new DeltaOutput(Math.min(maxSize, target.length + 64));
  out.varint(base.length);
  out.varint(target.length);

  const blocks = Math.floor(base.length / WINDOW);
  let size = 1;
  while (size < blocks) size <<= 1;
  const mask = size - 1;
  const heads = new Int32Array(size).fill(-1);
  const next = new Int32Array(Math.max(blocks, 1));
  const counts = new Uint8Array(size);
  // Later blocks first in each chain: ties go to the nearest copy.
  for (let b = blocks - 1; b >= 0; b--) {
    const bucket = bucketOf(windowHash(base, b * WINDOW), mask);
    if (counts[bucket]! >= MAX_BUCKET) continue;
    counts[bucket]!++;
    next[b] = heads[bucket]!;
    heads[bucket] = b;
  }

  let literalStart = 0;
  let i = 0;
  let h = target.length >= WINDOW ? windowHash(target, 0) : 0;
  while (i + WINDOW <= target.length) {
    let bestLength = 0;
    let bestAt = 0;
    if (blocks > 0) {
      for (let b = heads[bucketOf(h, mask)]!; b >= 0; b = next[b]!) {
        const at = b * WINDOW;
        let length = 0;
        const limit = Math.min(base.length - at, target.length - i, MAX_COPY);
        while (length < limit && base[at + length] === target[i + length]) length++;
        if (length > bestLength) {
          bestLength = length;
          bestAt = at;
          if (length === limit) break;
        }
      }
    }
    if (bestLength >= WINDOW) {
      // Take back literal bytes that the copy can cover too.
      while (i > literalStart && bestAt > 0 && base[bestAt - 1] === target[i - 1] && bestLength < MAX_COPY) {
        i--;
        bestAt--;
        bestLength++;
      }
      if (!out.insert(target, literalStart, i) || !out.copy(bestAt, bestLength)) return null;
      i += bestLength;
      literalStart = i;
      if (i + WINDOW <= target.length) h = windowHash(target, i);
      continue;
    }
    if (i + WINDOW < target.length) h = (Math.imul(h - Math.imul(target[i]!, OUT_FACTOR), MULT) + target[i + WINDOW]!) | 0;
    i++;
  }
  if (!out.insert(target, literalStart, target.length)) return null;
  return out.length <= maxSize ? out.result() : null;
}

class DeltaOutput {
  private buf: Buffer;
  length = 0;

  constructor(
    initial: number,
    private readonly limit = initial,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, Math.min(initial, 1 << 16)));
  }

  varint(value: number): void {
    let v = value;
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) byte |= 0x80;
      this.byte(byte);
    } while (v > 0);
  }

  /** Literal bytes target[start, end) as insert ops; false once over the limit. */
  insert(target: Buffer, start: number, end: number): boolean {
    for (let at = start; at < end; at += MAX_INSERT) {
      const n = Math.min(MAX_INSERT, end - at);
      this.reserve(n + 1);
      this.buf[this.length++] = n;
      target.copy(this.buf, this.length, at, at + n);
      this.length += n;
    }
    return this.length <= this.limit;
  }

  /** A copy op: offset and size as the bytes that are not zero, flagged in the op byte. */
  copy(offset: number, size: number): boolean {
    this.reserve(8);
    const opAt = this.length++;
    let op = 0x80;
    for (let k = 0; k < 4; k++) {
      const byte = Math.floor(offset / 2 ** (8 * k)) & 0xff;
      if (byte) {
        op |= 1 << k;
        this.buf[this.length++] = byte;
      }
    }
    if (size !== 0x10000) {
      for (let k = 0; k < 3; k++) {
        const byte = (size >>> (8 * k)) & 0xff;
        if (byte) {
          op |= 0x10 << k;
          this.buf[this.length++] = byte;
        }
      }
    }
    this.buf[opAt] = op;
    return this.length <= this.limit;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private byte(value: number): void {
    this.reserve(1);
    this.buf[this.length++] = value;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
}
