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
  /** A next() that a readiness probe started and nobody has taken yet. */
  private pending: Promise<IteratorResult<Uint8Array>> | undefined;
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
  fill(min: number): Promise<boolean> {
    return this.fillWith(min, () => this.pull());
  }

  /**
   * Like fill, but takes only chunks the source already has (see pullReady):
   * false, without waiting on the peer, when fewer than `min` bytes are there.
   */
  fillReady(min: number): Promise<boolean> {
    return this.fillWith(min, () => this.pullReady());
  }

  private async fillWith(min: number, next: () => Promise<Buffer | null>): Promise<boolean> {
    if (this.available >= min) return true;
    const parts: Buffer[] = [];
    let have = this.available;
    while (have < min) {
      const chunk = await next();
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

  /**
   * Hands out everything left, chunk by chunk, consuming it; with `readyOnly`
   * only what the source already has, without waiting for the input to end.
   */
  async *drain(readyOnly = false): AsyncGenerator<Buffer> {
    if (this.available > 0) {
      const rest = this.buf.subarray(this.pos);
      this.consume(rest.length);
      yield rest;
    }
    for (;;) {
      const chunk = await (readyOnly ? this.pullReady() : this.pull());
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
      // A generator still inside the probe's next() takes the return only once that settles,
      // which on a two-way transport may be never: ask, but do not wait.
      if (this.pending) void this.iterator.return?.()?.catch?.(() => undefined);
      else await this.iterator.return?.();
    }
  }

  /**
   * The next chunk if the source yields it within this turn of the event loop
   * (it was already received), else null without waiting: a client on a
   * two-way transport (stdio, SSH) sends nothing after the pack and keeps its
   * end open for the report. A probe that finds nothing leaves its next() for
   * the following pull.
   */
  private async pullReady(): Promise<Buffer | null> {
    if (this.ended) return null;
    const next = (this.pending ??= this.iterator.next());
    const settled = await Promise.race([
      next.then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => setImmediate(resolve, false)),
    ]);
    return settled ? this.pull() : null;
  }

  private async pull(): Promise<Buffer | null> {
    while (!this.ended) {
      const pending = this.pending;
      this.pending = undefined;
      const next = await (pending ?? this.iterator.next());
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
