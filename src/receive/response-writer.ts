import type { Writable } from 'node:stream';
import { SIDEBAND_64K, SidebandWriter } from '../protocol/sideband-writer.js';

export interface ResponseWriterOptions {
  /** side-band-64k negotiated: everything multiplexed on output. */
  sideband: boolean;
  /** Where band-2 text goes without side-band (git: receive-pack's stderr); dropped when absent. */
  stderr?: Writable;
  /** Seconds of silence before a keepalive packet (receive.keepAlive); 0 disables. */
  keepAliveSeconds: number;
}

/**
 * Everything one push sends back, over the protocol's SidebandWriter:
 * report data on band 1, text on band 2, keepalives while checks and hooks
 * run. The phases call it without awaiting (hook output streams in while a
 * hook runs), so writes are queued in order; back-pressure is honoured and a
 * client that went away makes the rest silently dropped, never thrown.
 */
export class ResponseWriter {
  private readonly out: SidebandWriter;
  private queue: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private gone = false;

  constructor(output: Writable, options: ResponseWriterOptions) {
    this.out = new SidebandWriter(output, {
      stderr: options.stderr,
      keepAliveSeconds: options.keepAliveSeconds,
      sidebandMax: options.sideband ? SIDEBAND_64K : 0,
    });
  }

  get sideband(): boolean {
    return this.out.multiplexed;
  }

  /** Protocol data (report-status); on band 1 with side-band, raw otherwise. */
  data(bytes: Buffer): void {
    this.enqueue(() => this.out.data(bytes));
  }

  /** Text for the user (`remote:` lines on the client). */
  text(text: string): void {
    this.enqueue(() => this.out.progress(text));
  }

  /** Raw hook output (already has its own newlines). */
  hookOutput(chunk: Buffer): void {
    this.enqueue(() => this.out.progress(chunk));
  }

  error(line: string): void {
    this.text(`error: ${line}\n`);
  }

  warning(line: string): void {
    this.text(`warning: ${line}\n`);
  }

  /** A fatal error after everything queued: band 3 with side-band, else an ERR packet. */
  async fatal(message: string): Promise<void> {
    this.enqueue(() => this.out.fatal(message));
    await this.flush();
  }

  /** Start sending keepalives after `keepAliveSeconds` of silence (side-band only). */
  startKeepalive(): void {
    const seconds = this.out.keepAliveSeconds;
    if (!this.out.multiplexed || seconds <= 0 || this.timer) return;
    this.timer = setInterval(() => this.enqueue(() => this.out.keepAliveIfIdle()), Math.min(seconds * 1000, 1000));
    this.timer.unref();
  }

  stopKeepalive(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closing flush with side-band, then wait until everything queued is written. */
  async finish(): Promise<void> {
    this.stopKeepalive();
    if (this.out.multiplexed) this.enqueue(() => this.out.flush());
    await this.flush();
  }

  /** Wait until everything queued so far has been handed to the stream. */
  flush(): Promise<void> {
    return this.queue;
  }

  private enqueue(write: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.gone) return;
      try {
        await write();
      } catch {
        // Only ClientGoneError reaches here: the client left, so nothing more can be said.
        this.gone = true;
      }
    });
  }
}
