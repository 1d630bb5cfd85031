import { ProtocolError } from '../errors.js';

/** Largest pkt-line, length prefix included (pkt-line.h LARGE_PACKET_MAX). */
export const MAX_PKT_LENGTH = 65520;
export const MAX_PKT_PAYLOAD = MAX_PKT_LENGTH - 4;
export const FLUSH_PKT = Buffer.from('0000', 'latin1');
/** Protocol v2's section separator. */
export const DELIM_PKT = Buffer.from('0001', 'latin1');

export type Packet = { kind: 'flush' } | { kind: 'delim' } | { kind: 'response-end' } | { kind: 'data'; data: Buffer };

/** Frame one payload as a pkt-line. */
export function pktLine(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = body.length + 4;
  if (length > MAX_PKT_LENGTH) throw new ProtocolError('protocol error: impossibly long line');
  return Buffer.concat([Buffer.from(length.toString(16).padStart(4, '0'), 'latin1'), body]);
}

/** Payload as text with one trailing LF removed (git reads with CHOMP_NEWLINE). */
export function packetText(data: Buffer): string {
  const end = data.length > 0 && data[data.length - 1] === 0x0a ? data.length - 1 : data.length;
  return data.toString('utf8', 0, end);
}

/** Parse the 4-hex length prefix; throws git's messages for bad ones. */
export function parsePktLength(header: Buffer): number {
  let length = 0;
  for (let i = 0; i < 4; i++) {
    const c = header[i];
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (digit < 0) {
      throw new ProtocolError(`protocol error: bad line length character: ${header.toString('latin1', 0, 4)}`);
    }
    length = length * 16 + digit;
  }
  return length;
}
