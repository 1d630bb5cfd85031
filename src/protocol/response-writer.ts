import type { Writable } from 'node:stream';
import { FLUSH_PKT } from './pkt-line.js';
import { BAND_DATA, BAND_PROGRESS, KEEPALIVE_PKT, sidebandPackets } from './sideband.js';

export interface ResponseWriterOptions {
  /** side-band-64k negotiated: everything multiplexed on output. */
  sideband: boolean;
  /** Where band-2 text goes without side-band (git: receive-pack's stderr); dropped when absent. */
  stderr?: Writable;
  /** Seconds of silence before a keepalive packet (receive.keepAlive); 0 disables. */
  keepAliveSeconds: number;
}

/**
 * Everything receive-pack sends back: protocol data on band 1, text on band 2,
 * keepalives while checks and hooks run. Writes are queued so that back-
 * pressure is honoured and a client that went away never throws.
 */
export class ResponseWriter {
  private queue: Promise<void> = Promise.resolve();
  private lastWrite = Date.now();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly output: Writable,
    private readonly options: ResponseWriterOptions,
  ) {
    output.on('error', () => {
      this.closed = true;
    });
  }

  get sideband(): boolean {
    return this.options.sideband;
  }

  /** Protocol data (report-status); on band 1 with side-band, raw otherwise. */
  data(bytes: Buffer): void {
    if (this.options.sideband) for (const p of sidebandPackets(BAND_DATA, bytes)) this.write(this.output, p);
    else this.write(this.output, bytes);
  }

  /** Text for the user (`remote:` lines on the client). */
  text(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    if (this.options.sideband) for (const p of sidebandPackets(BAND_PROGRESS, bytes)) this.write(this.output, p);
    else if (this.options.stderr) this.write(this.options.stderr, bytes);
  }

  /** Raw hook output (already has its own newlines). */
  hookOutput(chunk: Buffer): void {
    if (this.options.sideband) for (const p of sidebandPackets(BAND_PROGRESS, chunk)) this.write(this.output, p);
    else if (this.options.stderr) this.write(this.options.stderr, chunk);
  }

  error(line: string): void {
    this.text(`error: ${line}\n`);
  }

  warning(line: string): void {
    this.text(`warning: ${line}\n`);
  }

  /** Start sending keepalives after `keepAliveSeconds` of silence (side-band only). */
  startKeepalive(): void {
    const seconds = this.options.keepAliveSeconds;
    if (!this.options.sideband || seconds <= 0 || this.timer) return;
    const period = seconds * 1000;
    this.timer = setInterval(
      () => {
        if (Date.now() - this.lastWrite >= period) this.write(this.output, KEEPALIVE_PKT);
      },
      Math.min(period, 1000),
    );
    this.timer.unref();
  }

  stopKeepalive(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closing flush with side-band, then wait until everything queued is written. */
  async finish(): Promise<void> {
    this.stopKeepalive();
    if (this.options.sideband) this.write(this.output, FLUSH_PKT);
    await this.flush();
  }

  /** Wait until everything queued so far has been handed to the stream. */
  flush(): Promise<void> {
    return this.queue;
  }

  private write(stream: Writable, bytes: Buffer): void {
    this.lastWrite = Date.now();
    this.queue = this.queue.then(
      () =>
        new Promise<void>((resolve) => {
          if (this.closed || stream.destroyed || stream.writableEnded) return resolve();
          const ok = stream.write(bytes, () => undefined);
          if (ok) return resolve();
          const done = () => {
            stream.off('drain', done);
            stream.off('close', done);
            stream.off('error', done);
            resolve();
          };
          stream.on('drain', done);
          stream.on('close', done);
          stream.on('error', done);
        }),
    );
  }
}
