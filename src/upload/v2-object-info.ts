import { ProtocolError } from '../errors.js';
import { isOid } from '../objects/oid.js';
import type { UploadContext } from './context.js';

/** v2 `object-info`: the size of each named object (`<oid> <size>`, or `<oid> ` when we do not have it). */
export async function serveObjectInfo(ctx: UploadContext, args: readonly string[]): Promise<void> {
  let size = false;
  const oids: string[] = [];
  for (const arg of args) {
    if (arg === 'size') size = true;
    else if (arg.startsWith('oid ') && isOid(arg.slice(4), ctx.repo.algo)) oids.push(arg.slice(4));
    else throw new ProtocolError(`object-info: unexpected line: '${arg}'`);
  }
  const lines: string[] = [];
  if (oids.length > 0) {
    if (size) lines.push('size');
    for (const oid of oids) {
      if (!size) {
        lines.push(oid);
        continue;
      }
      const info = await ctx.repo.objects.info(oid);
      lines.push(info ? `${oid} ${info.size}` : `${oid} `);
    }
  }
  await ctx.channel.packets(lines);
  await ctx.channel.flush();
}
