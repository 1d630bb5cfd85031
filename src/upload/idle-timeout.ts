import { ProtocolError } from '../errors.js';

/**
 * The client's input, ended with an error when nothing arrives for
 * `seconds` (git-upload-pack --timeout, used by git daemon).
 */
export async function* withIdleTimeout(source: AsyncIterable<Buffer | string>, seconds: number): AsyncGenerator<Buffer | string> {
  if (!(seconds > 0)) return yield* source;
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProtocolError(`timeout: no input for ${seconds} seconds`)), seconds * 1000);
    });
    try {
      const next = await Promise.race([iterator.next(), expired]);
      if (next.done) return;
      yield next.value;
    } catch (error) {
      // Not awaited: a stream's iterator finishes only after the read that is still pending.
      iterator.return?.()?.catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
