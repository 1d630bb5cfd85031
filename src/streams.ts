import type { Writable } from 'node:stream';

/** Write and wait for the stream to take it; a closed stream is not an error here. */
export function writeToStream(stream: Writable, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve();
    stream.write(bytes, () => resolve());
  });
}
