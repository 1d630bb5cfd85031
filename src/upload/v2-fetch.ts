import { parseFetchArguments } from '../protocol/v2-fetch-request.js';
import { LineCounter } from '../protocol/line-limits.js';
import { SIDEBAND_64K } from '../protocol/sideband-writer.js';
import { resolveDeepenNot, wantCommits, type UploadContext } from './context.js';
import { CommonObjects } from './negotiation.js';
import { sendPack } from './send-pack.js';
import { INFINITE_DEPTH, planShallow } from './shallow.js';
import { checkWants } from './want-check.js';

/**
 * v2 `fetch`: acknowledge the haves (and say `ready` when more would not
 * help, unless the client waits for its own `done`), or go on to the
 * shallow-info and packfile sections. The pack is always on side-band-64k.
 */
export async function serveFetch(ctx: UploadContext, args: readonly string[]): Promise<void> {
  // Each v2 request stands alone (a client repeats its wants and common haves), and so do its counts.
  const request = await parseFetchArguments(args, ctx.repo.algo, new LineCounter(ctx.settings.limits));
  const { channel } = ctx;
  if (request.wants.length === 0 && !request.waitForDone) return;
  ctx.stats.wants = request.wants.length;
  // git 2.39 takes any object in a v2 want; pushgate holds v2 to what stateless v0 allows.
  await checkWants(ctx, request.wants, true);

  const shallowContext = {
    commits: ctx.commits,
    wantCommits: await wantCommits(ctx, request.wants),
    deepenNotCommits: await resolveDeepenNot(ctx, request.deepenNot),
    repoShallow: ctx.repoShallow,
    slicer: ctx.slicer,
  };
  let shallow = await planShallow(request, shallowContext);
  if (!shallow.send && ctx.repoShallow.size > 0)
    shallow = await planShallow({ ...request, depth: INFINITE_DEPTH }, shallowContext);
  const wants = [...request.wants, ...shallow.extraWants];

  const common = new CommonObjects(ctx.objects, ctx.commits, await wantCommits(ctx, wants), ctx.slicer);
  if (request.haves.length > 0) {
    const acks: string[] = [];
    for (const have of request.haves) if ((await common.add(have)) !== 'missing') acks.push(have);
    ctx.stats.haves = common.haves.length;
    if (!request.done) {
      const lines = ['acknowledgments\n', ...(acks.length === 0 ? ['NAK\n'] : acks.map((oid) => `ACK ${oid}\n`))];
      const ready = !request.waitForDone && (await common.okToGiveUp());
      if (ready) lines.push('ready\n');
      await channel.packets(lines);
      if (!ready) return channel.flush();
      await channel.delim();
    }
  }
  if (shallow.send || request.shallows.length > 0) {
    await channel.packets([
      'shallow-info\n',
      ...shallow.shallow.map((oid) => `shallow ${oid}\n`),
      ...shallow.unshallow.map((oid) => `unshallow ${oid}\n`),
    ]);
    await channel.delim();
  }
  await channel.packet('packfile\n');
  channel.sidebandMax = SIDEBAND_64K;
  const sent = await sendPack(ctx.objects, ctx.commits, channel, {
    wants,
    haves: [...common.haves, ...shallow.extraHaves],
    grafts: shallow.grafts,
    thin: request.thinPack,
    ofsDelta: request.ofsDelta,
    progress: !request.noProgress,
    tagCandidates: request.includeTag ? ctx.refs.tagValues() : undefined,
    compressionLevel: ctx.settings.compressionLevel,
  });
  ctx.stats.objects = sent.objects;
  ctx.stats.packBytes = sent.bytes;
  await channel.flush();
  channel.sidebandMax = 0;
}
