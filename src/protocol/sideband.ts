import { pktLine, MAX_PKT_LENGTH } from './pkt-line.js';

export const BAND_DATA = 1;
export const BAND_PROGRESS = 2;
export const BAND_ERROR = 3;

/** side-band-64k: length (4) + band (1) + data. */
const MAX_BAND_DATA = MAX_PKT_LENGTH - 5;

/** A side-band keepalive: band 1 with no data (git's "0005\1"). */
export const KEEPALIVE_PKT = Buffer.from('0005\x01', 'latin1');

/** Frame data on a band, split into as many packets as it needs. */
export function sidebandPackets(band: number, data: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += MAX_BAND_DATA) {
    const part = data.subarray(offset, Math.min(offset + MAX_BAND_DATA, data.length));
    packets.push(pktLine(Buffer.concat([Buffer.from([band]), part])));
  }
  return packets;
}
