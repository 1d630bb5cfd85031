import { ProtocolError } from '../errors.js';
import { peelToCommit, type UploadContext } from './context.js';

function notOurRef(oid: string): ProtocolError {
  return new ProtocolError(`upload-pack: not our ref ${oid}`);
}

/**
 * Wants must name objects we have that the client may see: a ref tip, or,
 * when that is allowed (stateless HTTP, whose advertisement may be older
 * than this request, protocol v2, or uploadpack.allowReachableSHA1InWant),
 * a commit reachable from one. uploadpack.allowAnySHA1InWant lifts the
 * check; allowTipSHA1InWant lets hidden tips count.
 */
export async function checkWants(ctx: UploadContext, wants: readonly string[], reachableAllowed: boolean): Promise<void> {
  const { settings, refs, slicer } = ctx;
  for (const want of wants) {
    await slicer.tick();
    if (!(await ctx.objects.has(want))) throw notOurRef(want);
  }
  if (settings.allowAnySha1) return;
  const allowHidden = settings.allowTipSha1 || settings.allowReachableSha1;
  const others = wants.filter((want) => !refs.isTip(want, allowHidden));
  if (others.length === 0) return;
  if (!reachableAllowed && !settings.allowReachableSha1) throw notOurRef(others[0]!);
  const targets = new Set<string>();
  for (const want of others) {
    await slicer.tick();
    if ((await ctx.objects.type(want)) !== 'commit') throw notOurRef(want);
    targets.add(want);
  }
  const tips = [...refs.tips, ...(allowHidden ? refs.hiddenTips : [])];
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const tip of tips) {
    await slicer.tick();
    const commit = await peelToCommit(ctx, tip);
    if (commit) stack.push(commit);
  }
  while (stack.length > 0 && targets.size > 0) {
    await slicer.tick();
    const oid = stack.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    targets.delete(oid);
    const node = await ctx.commits.get(oid);
    if (node && !ctx.repoShallow.has(oid)) stack.push(...node.parents);
  }
  const unreachable = others.find((want) => targets.has(want));
  if (unreachable) throw notOurRef(unreachable);
}
