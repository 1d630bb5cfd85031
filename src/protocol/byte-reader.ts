import { ProtocolError } from '../errors.js';
import { PROTOCOL_ERROR } from './protocol-errors.js';

/**
 * Pull-based reader over a chunked byte stream: read exact byte counts, then
 * hand the unread remainder on as a stream (the pack follows the commands).
 */
export class ByteReader {
  private readonly source: AsyncIterator<Buffer>;
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private ended = false;
  /** Bytes handed out so far (for limits). */
  consumed = 0;

  constructor(source: AsyncIterable<Buffer | string>) {
    const iterator = source[Symbol.asyncIterator]();
    this.source = {
      next: async () => {
        const r = await iterator.next();
        if (r.done) return r;
        return { done: false, value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value };
      },
      return: iterator.return?.bind(iterator) as AsyncIterator<Buffer>['return'],
    };
  }

  /** Exactly n bytes, or null if the stream ends before any byte; throws on a partial read. */
  async readExact(n: number, what = 'data'): Promise<Buffer | null> {
    while (this.bufferedLength < n && !this.ended) await this.fill();
    if (this.bufferedLength === 0 && n > 0) return null;
    if (this.bufferedLength < n) {
      throw new ProtocolError(`protocol error: unexpected end of input while reading ${what}`, { code: PROTOCOL_ERROR.eof });
    }
    return this.take(n);
  }

  /** Up to n bytes (at least one) or null at end of stream. */
  async readSome(n: number): Promise<Buffer | null> {
    if (this.bufferedLength === 0 && !this.ended) await this.fill();
    if (this.bufferedLength === 0) return null;
    return this.take(Math.min(n, this.bufferedLength));
  }

  /** The unread rest of the stream, buffered bytes first. */
  async *rest(): AsyncGenerator<Buffer> {
    while (true) {
      const chunk = await this.readSome(Number.MAX_SAFE_INTEGER);
      if (!chunk) return;
      yield chunk;
    }
  }

  private async fill(): Promise<void> {
    const r = await this.source.next();
    if (r.done) {
      this.ended = true;
      return;
    }
    if (r.value.length) {
      this.buffered.push(r.value);
      this.bufferedLength += r.value.length;
    }
  }

  private take(n: number): Buffer {
    // An empty pkt-line ("0004") asks for no bytes, possibly with nothing buffered.
    if (n === 0) return Buffer.alloc(0);
    const first = this.buffered[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.buffered.shift();
      else this.buffered[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.buffered);
      out = all.subarray(0, n);
      this.buffered = all.length > n ? [all.subarray(n)] : [];
    }
    this.bufferedLength -= n;
    this.consumed += n;
    return out;
  }
}
