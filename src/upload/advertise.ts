import { FLUSH_PKT, pktLine } from '../protocol/pkt-line.js';
import { uploadCapabilities } from './capabilities.js';
import type { UploadContext } from './context.js';

/**
 * The v0/v1 ref advertisement of git-upload-pack: HEAD first, then every
 * visible ref with its peeled `^{}` line, capabilities after a NUL on the
 * first line, the repository's shallow boundary, a flush. An empty
 * repository advertises nothing but the flush, as git 2.39 does.
 */
export async function encodeUploadAdvertisement(
  ctx: UploadContext,
  options: { version1: boolean; advertiseOnly: boolean },
): Promise<Buffer> {
  const { refs } = ctx;
  const caps = uploadCapabilities(ctx.settings, {
    algo: ctx.repo.algo,
    headTarget: refs.head.oid ? refs.head.target : undefined,
    advertiseOnly: options.advertiseOnly,
  }).join(' ');
  const lines: Buffer[] = [];
  if (options.version1) lines.push(pktLine('version 1\n'));
  const entries = refs.head.oid ? [{ name: 'HEAD', oid: refs.head.oid }, ...refs.refs] : refs.refs;
  let first = true;
  for (const ref of entries) {
    // A repository with many refs (and tags to peel) must not hold up the other requests either.
    await ctx.slicer.tick();
    lines.push(pktLine(first ? `${ref.oid} ${ref.name}\0${caps}\n` : `${ref.oid} ${ref.name}\n`));
    first = false;
    const peeled = await refs.peel(ref.oid);
    if (peeled) lines.push(pktLine(`${peeled} ${ref.name}^{}\n`));
  }
  for (const oid of ctx.repoShallow) lines.push(pktLine(`shallow ${oid}\n`));
  lines.push(FLUSH_PKT);
  return Buffer.concat(lines);
}
