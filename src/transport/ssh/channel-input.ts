import { PassThrough, type Readable } from 'node:stream';
import type { ServerChannel } from 'ssh2';

/**
 * The channel's incoming bytes as a stream of their own. Over SSH one duplex
 * carries both directions; a consumer that stops reading early (breaking out
 * of async iteration, a pipeline ending) destroys its source, and destroying
 * the channel would drop the report still to be written. Destroying this
 * stream only stops the forwarding; what the client still sends is discarded.
 */
export function channelInput(channel: ServerChannel): Readable {
  const input = new PassThrough();
  const forward = (chunk: Buffer) => {
    if (input.destroyed) return;
    if (!input.write(chunk)) channel.pause();
  };
  const resume = () => channel.resume();
  const end = () => {
    if (!input.destroyed) input.end();
  };
  channel.on('data', forward);
  channel.once('end', end);
  channel.once('close', end);
  input.on('drain', resume);
  input.once('close', () => {
    channel.off('data', forward);
    channel.off('end', end);
    channel.off('close', end);
    // Keep draining so the client's window does not stall while the report goes out.
    channel.on('data', () => undefined);
    channel.resume();
  });
  return input;
}
