import { packTooLarge } from './pack-errors.js';

const EMPTY = Buffer.alloc(0);

/** Called with every chunk as it arrives, before it is parsed (e.g. to write it to disk). */
export type ChunkSink = (chunk: Buffer, packOffset: number) => Promise<unknown> | void;

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Pull-based view of a streamed pack: a window of not-yet-parsed bytes that
 * grows only when the parser asks for more. Every chunk goes to the sink
 * once, in order, and counts against the input limit.
 */
export class PackInput {
  /** Unparsed bytes are buf[pos..]. */
  buf: Buffer = EMPTY;
  pos = 0;
  /** Pack offset of buf[0]. */
  private bufStart = 0;
  private received = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(
    input: AsyncIterable<Uint8Array>,
    private readonly sink: ChunkSink,
    private readonly maxInputSize?: number,
  ) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  /** Pack offset of the next unparsed byte. */
  get offset(): number {
    return this.bufStart + this.pos;
  }

  get available(): number {
    return this.buf.length - this.pos;
  }

  get bytesReceived(): number {
    return this.received;
  }

  get atEnd(): boolean {
    return this.ended && this.available === 0;
  }

  /** Makes at least `min` unparsed bytes available; false if the input ends first. */
  async fill(min: number): Promise<boolean> {
    if (this.available >= min) return true;
    const parts: Buffer[] = [];
    let have = this.available;
    while (have < min) {
      const chunk = await this.pull();
      if (!chunk) break;
      parts.push(chunk);
      have += chunk.length;
    }
    if (parts.length > 0) {
      const rest = this.buf.subarray(this.pos);
      this.bufStart += this.pos;
      this.buf = rest.length === 0 && parts.length === 1 ? parts[0]! : Buffer.concat([rest, ...parts], have);
      this.pos = 0;
    }
    return have >= min;
  }

  consume(n: number): void {
    this.pos += n;
  }

  /** Hands out everything left, chunk by chunk, consuming it. */
  async *drain(): AsyncGenerator<Buffer> {
    if (this.available > 0) {
      const rest = this.buf.subarray(this.pos);
      this.consume(rest.length);
      yield rest;
    }
    for (;;) {
      const chunk = await this.pull();
      if (!chunk) return;
      // Everything received so far is consumed.
      this.buf = EMPTY;
      this.pos = 0;
      this.bufStart = this.received;
      yield chunk;
    }
  }

  /** Stops the source early (e.g. after an error), so it can release what it holds. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }

  private async pull(): Promise<Buffer | null> {
    while (!this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return null;
      }
      const chunk = asBuffer(next.value);
      if (chunk.length === 0) continue;
      const at = this.received;
      this.received += chunk.length;
      if (this.maxInputSize !== undefined && this.received > this.maxInputSize) throw packTooLarge(this.maxInputSize);
      await this.sink(chunk, at);
      return chunk;
    }
    return null;
  }
}
