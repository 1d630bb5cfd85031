import { parseLsRefsArguments } from '../protocol/v2-fetch-request.js';
import type { UploadContext } from './context.js';

/**
 * v2 `ls-refs`: HEAD (or `unborn HEAD` when asked and its branch does not
 * exist yet), then the visible refs under the requested prefixes, with
 * symref targets and peeled tags on request.
 */
export async function serveLsRefs(ctx: UploadContext, args: readonly string[]): Promise<void> {
  const request = await parseLsRefsArguments(args, ctx.settings.lsRefsUnborn !== 'ignore');
  const { refs } = ctx;
  const matches = (name: string) => request.prefixes.length === 0 || request.prefixes.some((prefix) => name.startsWith(prefix));
  const lines: string[] = [];
  const line = async (name: string, oid: string | undefined, target: string | null | undefined) => {
    let text = oid ? `${oid} ${name}` : `unborn ${name}`;
    if (request.symrefs && target) text += ` symref-target:${target}`;
    if (request.peel && oid) {
      const peeled = await refs.peel(oid);
      if (peeled) text += ` peeled:${peeled}`;
    }
    lines.push(`${text}\n`);
  };
  if (matches('HEAD')) {
    if (refs.head.oid) await line('HEAD', refs.head.oid, refs.head.target);
    else if (request.unborn && request.symrefs && refs.head.target) await line('HEAD', undefined, refs.head.target);
  }
  for (const ref of refs.refs) {
    // Each ref is matched against every prefix (up to 65,535 of them).
    await ctx.slicer.tick(1 + request.prefixes.length / 64);
    if (!matches(ref.name)) continue;
    await line(ref.name, ref.oid, request.symrefs ? await ctx.repo.refs.readSymbolic(ref.name) : undefined);
  }
  await ctx.channel.packets(lines);
  await ctx.channel.flush();
}
