import { MAX_PKT_LENGTH } from './pkt-line.js';

export const BAND_DATA = 1;
export const BAND_PROGRESS = 2;
export const BAND_ERROR = 3;

/** A side-band keepalive: band 1 with no data (git's "0005\1"). */
export const KEEPALIVE_PKT = Buffer.from('0005\x01', 'latin1');

/**
 * Frame data on a band, split into as many packets as it needs; a packet is
 * length (4) + band (1) + data, at most `maxPacket` bytes (side-band-64k's
 * 65520, or plain side-band's 1000).
 */
export function sidebandPackets(band: number, data: Buffer, maxPacket = MAX_PKT_LENGTH): Buffer[] {
  const payload = maxPacket - 5;
  const packets: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += payload) {
    const part = data.subarray(offset, Math.min(offset + payload, data.length));
    const packet = Buffer.allocUnsafe(part.length + 5);
    packet.write((part.length + 5).toString(16).padStart(4, '0'), 0, 'latin1');
    packet[4] = band;
    part.copy(packet, 5);
    packets.push(packet);
  }
  return packets;
}
