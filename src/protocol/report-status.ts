import { FLUSH_PKT, pktLine } from './pkt-line.js';

export interface RefStatus {
  refName: string;
  /** undefined = ok; else the `ng` reason. */
  error?: string;
}

/**
 * report-status (v1) and report-status-v2. Without proc-receive rewrites the
 * two are line-for-line the same; v2's `option` lines only follow refs a
 * proc-receive hook rewrote, which pushgate does not do.
 */
export function encodeReportStatus(unpackStatus: string, refs: RefStatus[]): Buffer {
  const parts = [pktLine(`unpack ${unpackStatus}\n`)];
  for (const ref of refs) {
    parts.push(pktLine(ref.error === undefined ? `ok ${ref.refName}\n` : `ng ${ref.refName} ${ref.error}\n`));
  }
  parts.push(FLUSH_PKT);
  return Buffer.concat(parts);
}
