import fs from 'node:fs';

/**
 * Synchronous positioned reads through one reusable window buffer, so that
 * many small nearby reads cost one system call. Returned buffers are views
 * that stay valid only until the next read.
 */
export class FileWindow {
  private window: Buffer;
  private windowStart = 0;
  private windowEnd = 0;

  constructor(
    private readonly fd: number,
    windowSize = 1 << 20,
  ) {
    this.window = Buffer.allocUnsafe(windowSize);
  }

  /** Bytes [start, end) of the file; throws if the file is shorter. */
  read(start: number, end: number): Buffer {
    if (start >= this.windowStart && end <= this.windowEnd) {
      return this.window.subarray(start - this.windowStart, end - this.windowStart);
    }
    const length = end - start;
    if (length > this.window.length) {
      const exact = Buffer.allocUnsafe(length);
      this.fill(exact, start, length);
      return exact;
    }
    const got = this.fill(this.window, start, this.window.length, length);
    this.windowStart = start;
    this.windowEnd = start + got;
    return this.window.subarray(0, length);
  }

  /** Forget cached bytes (after the file was written to). */
  invalidate(): void {
    this.windowStart = this.windowEnd = 0;
  }

  private fill(into: Buffer, position: number, want: number, need = want): number {
    let got = 0;
    while (got < want) {
      const n = fs.readSync(this.fd, into, got, want - got, position + got);
      if (n === 0) break;
      got += n;
    }
    if (got < need) throw new RangeError(`short read at ${position}: wanted ${need} bytes, file has ${got}`);
    return got;
  }
}
