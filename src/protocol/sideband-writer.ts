import type { Writable } from 'node:stream';
import { ClientGoneError } from '../errors.js';
import { DELIM_PKT, FLUSH_PKT, pktLine } from './pkt-line.js';
import { BAND_DATA, BAND_ERROR, BAND_PROGRESS, KEEPALIVE_PKT, sidebandPackets } from './sideband.js';

/** side-band (not -64k) packets are at most 1000 bytes (git's DEFAULT_PACKET_MAX). */
export const SIDEBAND_SMALL = 1000;
export const SIDEBAND_64K = 65520;

/**
 * The one writer of a git service's answer: pkt-lines, then data on band 1
 * with text on band 2 and fatal errors on band 3 once side-band is on (or
 * raw data, text on stderr and ERR packets without it). Writes wait for the
 * stream to drain, so a slow client holds the sender back instead of
 * filling memory; a client that went away makes them throw ClientGoneError.
 */
export class SidebandWriter {
  /** Largest side-band packet, 0 without side-band; set when the client's capabilities are known. */
  sidebandMax: number;
  private lastWrite = Date.now();

  constructor(
    private readonly output: Writable,
    private readonly options: { stderr?: Writable; keepAliveSeconds: number; sidebandMax?: number },
  ) {
    this.sidebandMax = options.sidebandMax ?? 0;
    // A client that hangs up makes writes fail; that must not crash the process.
    output.on('error', () => undefined);
  }

  get multiplexed(): boolean {
    return this.sidebandMax > 0;
  }

  /** Bytes of data per band packet. */
  get bandPayload(): number {
    return this.sidebandMax - 5;
  }

  /** Milliseconds since anything was written. */
  get idleMs(): number {
    return Date.now() - this.lastWrite;
  }

  get keepAliveSeconds(): number {
    return this.options.keepAliveSeconds;
  }

  async packet(line: string): Promise<void> {
    await this.write(pktLine(line));
  }

  async packets(lines: readonly string[]): Promise<void> {
    if (lines.length > 0) await this.write(Buffer.concat(lines.map((line) => pktLine(line))));
  }

  flush(): Promise<void> {
    return this.write(FLUSH_PKT);
  }

  delim(): Promise<void> {
    return this.write(DELIM_PKT);
  }

  /** Protocol data (a pack, a report): band 1 packets, or the bytes themselves without side-band. */
  async data(bytes: Buffer): Promise<void> {
    if (!this.multiplexed) return this.write(bytes);
    await this.band(BAND_DATA, bytes);
  }

  /** Text for the user (`remote:` lines): band 2, or the service's stderr without side-band (dropped when there is none). */
  async progress(text: string | Buffer): Promise<void> {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (this.multiplexed) await this.band(BAND_PROGRESS, bytes);
    else if (this.options.stderr && !this.options.stderr.destroyed && !this.options.stderr.writableEnded) {
      await this.write(bytes, this.options.stderr);
    }
  }

  /** A fatal error: band 3 once side-band is on, else an ERR packet (git shows "remote error: …"). */
  async fatal(message: string): Promise<void> {
    try {
      if (this.multiplexed) await this.band(BAND_ERROR, Buffer.from(`${message}\n`, 'utf8'));
      else await this.write(pktLine(`ERR ${message}\n`));
    } catch (error) {
      if (!(error instanceof ClientGoneError)) throw error;
    }
  }

  /** A keepalive (empty band-1 packet) when nothing was written for keepAliveSeconds; side-band only. */
  async keepAliveIfIdle(): Promise<void> {
    const seconds = this.options.keepAliveSeconds;
    if (!this.multiplexed || seconds <= 0) return;
    if (this.idleMs >= seconds * 1000) await this.write(KEEPALIVE_PKT);
  }

  /** Raw bytes, waiting for the stream to take them. */
  async write(bytes: Buffer, stream: Writable = this.output): Promise<void> {
    if (stream.destroyed || stream.writableEnded) throw new ClientGoneError();
    if (stream === this.output) this.lastWrite = Date.now();
    if (stream.write(bytes)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: unknown) => {
        stream.off('drain', onDrain);
        stream.off('close', onClose);
        stream.off('error', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new ClientGoneError());
      stream.on('drain', onDrain);
      stream.on('close', onClose);
      stream.on('error', onClose);
    });
  }

  private async band(band: number, data: Buffer): Promise<void> {
    for (const packet of sidebandPackets(band, data, this.sidebandMax)) await this.write(packet);
  }
}
