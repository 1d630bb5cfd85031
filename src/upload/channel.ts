import type { Writable } from 'node:stream';
import { ClientGoneError } from '../errors.js';
import { pktLine, FLUSH_PKT } from '../protocol/pkt-line.js';
import { BAND_DATA, BAND_ERROR, BAND_PROGRESS, KEEPALIVE_PKT } from '../protocol/sideband.js';

const DELIM_PKT = Buffer.from('0001', 'latin1');
/** side-band (not -64k) packets are at most 1000 bytes (git's DEFAULT_PACKET_MAX). */
export const SIDEBAND_SMALL = 1000;
export const SIDEBAND_64K = 65520;

/**
 * Everything upload-pack writes: pkt-lines before the pack, then the pack on
 * side-band 1 with progress on band 2 (or raw, with progress on stderr,
 * when side-band was not negotiated). Writes wait for the stream to drain,
 * so a slow client holds the generator back instead of filling memory.
 */
export class UploadChannel {
  /** Largest side-band packet, 0 without side-band. */
  sidebandMax = 0;
  private lastWrite = Date.now();

  constructor(
    private readonly output: Writable,
    private readonly stderr: Writable | undefined,
    private readonly keepAliveSeconds: number,
  ) {
    // A client that hangs up makes writes fail; that must not crash the process.
    output.on('error', () => undefined);
  }

  /** Bytes of pack data per band-1 packet. */
  get bandPayload(): number {
    return this.sidebandMax - 5;
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

  /** Pack data: band 1 packets, or the bytes themselves without side-band. */
  async data(bytes: Buffer): Promise<void> {
    if (!this.sidebandMax) return this.write(bytes);
    const max = this.bandPayload;
    for (let at = 0; at < bytes.length; at += max) await this.write(bandPacket(BAND_DATA, bytes.subarray(at, Math.min(bytes.length, at + max))));
  }

  /** Progress text: band 2, or upload-pack's stderr without side-band. */
  async progress(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    if (this.sidebandMax) {
      const max = this.bandPayload;
      for (let at = 0; at < bytes.length; at += max) await this.write(bandPacket(BAND_PROGRESS, bytes.subarray(at, at + max)));
    } else if (this.stderr && !this.stderr.destroyed) {
      this.stderr.write(bytes);
    }
  }

  /** A fatal error: band 3 once side-band is on, else an ERR packet (git shows "remote error: …"). */
  async fatal(message: string): Promise<void> {
    try {
      if (this.sidebandMax) await this.write(bandPacket(BAND_ERROR, Buffer.from(`${message}\n`, 'utf8')));
      else await this.write(pktLine(`ERR ${message}\n`));
    } catch (error) {
      if (!(error instanceof ClientGoneError)) throw error;
    }
  }

  /** A keepalive (empty band-1 packet) when nothing was written for a while; side-band only. */
  async keepAliveIfIdle(): Promise<void> {
    if (!this.sidebandMax || this.keepAliveSeconds <= 0) return;
    if (Date.now() - this.lastWrite >= this.keepAliveSeconds * 1000) await this.write(KEEPALIVE_PKT);
  }

  async write(bytes: Buffer): Promise<void> {
    const out = this.output;
    if (out.destroyed || out.writableEnded) throw new ClientGoneError();
    this.lastWrite = Date.now();
    if (out.write(bytes)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: unknown) => {
        out.off('drain', onDrain);
        out.off('close', onClose);
        out.off('error', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new ClientGoneError());
      out.on('drain', onDrain);
      out.on('close', onClose);
      out.on('error', onClose);
    });
  }
}

function bandPacket(band: number, data: Buffer): Buffer {
  const length = data.length + 5;
  const packet = Buffer.allocUnsafe(length);
  packet.write(length.toString(16).padStart(4, '0'), 0, 'latin1');
  packet[4] = band;
  data.copy(packet, 5);
  return packet;
}
