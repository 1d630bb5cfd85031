/**
 * A server's answer on the wire as comparable lines: pkt-line text as it is,
 * `<flush>`/`<delim>` markers, side-band band 1 either `<pack>` (a packfile)
 * or the report-status lines it carries, band 3 as `fatal: …`. Band 2
 * (progress, hook output) is left out: its wording is not the protocol.
 */
export function summarise(bytes: Buffer): string[] {
  const lines: string[] = [];
  let band1 = Buffer.alloc(0);
  // Band 1's summary goes where band 1 starts.
  let band1At = -1;
  for (const packet of packets(bytes)) {
    if (packet === 'flush' || packet === 'delim') {
      lines.push(`<${packet}>`);
      continue;
    }
    const band = packet[0];
    if (band === 1) {
      if (band1At < 0) band1At = lines.length;
      band1 = Buffer.concat([band1, packet.subarray(1)]);
    } else if (band === 3) lines.push(`fatal: ${packet.subarray(1).toString().trimEnd()}`);
    else if (band !== 2) lines.push(packet.toString().replace(/\n$/, ''));
  }
  if (band1At >= 0) {
    const inner = band1.subarray(0, 4).toString() === 'PACK' ? ['<pack>'] : summarise(band1).map((l) => `band 1: ${l}`);
    lines.splice(band1At, 0, ...inner);
  }
  return lines;
}

/** The pkt-lines in `bytes`, up to the first incomplete one. */
export function packets(bytes: Buffer): (Buffer | 'flush' | 'delim')[] {
  const out: (Buffer | 'flush' | 'delim')[] = [];
  let offset = 0;
  while (offset + 4 <= bytes.length) {
    const length = parseInt(bytes.toString('latin1', offset, offset + 4), 16);
    if (Number.isNaN(length)) break;
    if (length === 0 || length === 1 || length === 2) {
      if (length !== 2) out.push(length === 0 ? 'flush' : 'delim');
      offset += 4;
      continue;
    }
    if (offset + length > bytes.length) break;
    out.push(bytes.subarray(offset + 4, offset + length));
    offset += length;
  }
  return out;
}

/** Where the first flush-pkt ends (the end of an advertisement), or -1 before it has arrived. */
export function afterFirstFlush(bytes: Buffer): number {
  let offset = 0;
  while (offset + 4 <= bytes.length) {
    const length = parseInt(bytes.toString('latin1', offset, offset + 4), 16);
    if (Number.isNaN(length)) return -1;
    if (length === 0) return offset + 4;
    offset += length < 4 ? 4 : length;
  }
  return -1;
}
