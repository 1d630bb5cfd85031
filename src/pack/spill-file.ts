import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FileWindow } from './file-window.js';

/**
 * The content of one big object, written out so that deltas can copy from
 * it at random without it being in memory. The file is unlinked as soon as
 * it is open: it lives only as long as its descriptor, so neither a failure
 * nor a kill leaves it behind.
 */
export class SpillFile {
  length = 0;
  private readonly window: FileWindow;
  private closed = false;

  private constructor(private readonly fd: number) {
    this.window = new FileWindow(fd);
  }

  /** A new, empty spill file in `dir` (the quarantine's pack directory: same disk, same cleanup). */
  static create(dir: string): SpillFile {
    const file = path.join(dir, `tmp_spill_${randomBytes(6).toString('hex')}`);
    const fd = fs.openSync(file, 'wx+', 0o600);
    try {
      fs.unlinkSync(file);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    return new SpillFile(fd);
  }

  append(piece: Buffer): void {
    for (let done = 0; done < piece.length;) {
      done += fs.writeSync(this.fd, piece, done, piece.length - done, this.length + done);
    }
    this.length += piece.length;
  }

  /** Bytes [start, end): a view valid until the next read. */
  read(start: number, end: number): Buffer {
    return this.window.read(start, end);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
