import { FLUSH_PKT, pktLine } from '../../src/protocol/pkt-line.js';
import { git } from './git.js';

/** A receive-pack request body as a client would send it. */
export function updateRequestBody(
  commands: { oldOid: string; newOid: string; ref: string }[],
  pack: Buffer | null,
  caps = 'report-status side-band-64k object-format=sha1 agent=pushgate-test',
): Buffer {
  const parts = commands.map((c, i) =>
    pktLine(i === 0 ? `${c.oldOid} ${c.newOid} ${c.ref}\0 ${caps}` : `${c.oldOid} ${c.newOid} ${c.ref}`),
  );
  parts.push(FLUSH_PKT);
  if (pack) parts.push(pack);
  return Buffer.concat(parts);
}

/** Split a side-band response into band 1 (report) and band 2 (messages) text. */
export function demuxSideband(body: Buffer): { report: string; messages: string; error: string; flushes: number } {
  let offset = 0;
  let report = '';
  let messages = '';
  let error = '';
  let flushes = 0;
  while (offset + 4 <= body.length) {
    const length = parseInt(body.toString('latin1', offset, offset + 4), 16);
    if (length === 0) {
      flushes++;
      offset += 4;
      continue;
    }
    const band = body[offset + 4];
    const data = body.subarray(offset + 5, offset + length);
    if (band === 1) report += data.toString('latin1');
    else if (band === 2) messages += data.toString();
    else if (band === 3) error += data.toString();
    offset += length;
  }
  return { report, messages, error, flushes };
}

/** Report-status pkt-lines as text lines (`unpack ok`, `ok <ref>`, `ng <ref> <reason>`). */
export function reportLines(report: string): string[] {
  const lines: string[] = [];
  let offset = 0;
  while (offset + 4 <= report.length) {
    const length = parseInt(report.slice(offset, offset + 4), 16);
    if (length === 0) break;
    lines.push(report.slice(offset + 4, offset + length).replace(/\n$/, ''));
    offset += length;
  }
  return lines;
}

/** A pack of `revs` made by the real git (e.g. ['main', '^old']). */
export async function packOf(cwd: string, revs: string[], extra: string[] = []): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['pack-objects', '--stdout', '--revs', '-q', ...extra], { cwd });
    const out: Buffer[] = [];
    child.stdout.on('data', (c) => out.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`pack-objects exited ${code}`))));
    child.stdin.end(revs.join('\n') + '\n');
  });
}

/** POST a receive-pack request to a pushgate URL; returns status and raw body. */
export async function postReceivePack(
  url: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(`${url}/git-receive-pack`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-git-receive-pack-request', ...headers },
    body: new Uint8Array(body),
  });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

export { git };
