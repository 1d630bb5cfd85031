import { readNegotiationLine, readUploadRequest, type UploadRequest } from '../protocol/upload-request.js';
import { encodeUploadAdvertisement } from './advertise.js';
import { SIDEBAND_64K, SIDEBAND_SMALL } from '../protocol/sideband-writer.js';
import { resolveDeepenNot, wantCommits, type UploadContext } from './context.js';
import { CommonObjects } from './negotiation.js';
import { sendPack } from './send-pack.js';
import { planShallow, type ShallowPlan } from './shallow.js';
import { checkWants } from './want-check.js';

/**
 * Protocol v0/v1 (gitprotocol-pack): advertisement, wants, shallow lines,
 * have/ACK rounds (multi_ack, multi_ack_detailed, no-done), then the pack.
 * In stateless mode (smart HTTP) each request is answered once: a round
 * that ends without `done` (or `ready` with no-done) ends the exchange.
 */
export async function serveV0(ctx: UploadContext, version1: boolean): Promise<void> {
  const { session, channel } = ctx;
  if (!session.statelessRpc || session.advertiseOnly) {
    await channel.write(await encodeUploadAdvertisement(ctx, { version1, advertiseOnly: !!session.advertiseOnly }));
    if (session.advertiseOnly) return;
  }
  const request = await readUploadRequest(ctx.reader, ctx.repo.algo, { counter: ctx.counter });
  if (!request || request.wants.length === 0) return;
  ctx.stats.wants = request.wants.length;
  await checkWants(ctx, request.wants, !!session.statelessRpc);

  const caps = request.capabilities;
  const shallow = await planShallow(request, {
    commits: ctx.commits,
    wantCommits: await wantCommits(ctx, request.wants),
    deepenNotCommits: await resolveDeepenNot(ctx, request.deepenNot),
    repoShallow: ctx.repoShallow,
    slicer: ctx.slicer,
  });
  if (shallow.send) {
    await channel.packets([
      ...shallow.shallow.map((oid) => `shallow ${oid}\n`),
      ...shallow.unshallow.map((oid) => `unshallow ${oid}\n`),
    ]);
    await channel.flush();
  }

  const common = await negotiate(ctx, request, [...request.wants, ...shallow.extraWants]);
  if (!common) return;
  ctx.stats.haves = common.haves.length;

  channel.sidebandMax = caps.has('side-band-64k') ? SIDEBAND_64K : caps.has('side-band') ? SIDEBAND_SMALL : 0;
  await sendPackFor(ctx, request, shallow, common.haves);
  if (channel.sidebandMax) await channel.flush();
}

async function sendPackFor(ctx: UploadContext, request: UploadRequest, shallow: ShallowPlan, haves: string[]): Promise<void> {
  const caps = request.capabilities;
  // git: a daemon (--timeout) without side-band has nowhere to show progress.
  const quiet = caps.has('no-progress') || (!ctx.channel.sidebandMax && !!ctx.session.timeoutSeconds);
  const sent = await sendPack(ctx.objects, ctx.commits, ctx.channel, {
    wants: [...request.wants, ...shallow.extraWants],
    haves: [...haves, ...shallow.extraHaves],
    grafts: shallow.grafts,
    thin: caps.has('thin-pack'),
    ofsDelta: caps.has('ofs-delta'),
    progress: !quiet,
    tagCandidates: caps.has('include-tag') ? ctx.refs.tagValues() : undefined,
    compressionLevel: ctx.settings.compressionLevel,
  });
  ctx.stats.objects = sent.objects;
  ctx.stats.packBytes = sent.bytes;
}

/**
 * git's get_common_commits. Returns what the client has in common with us
 * once it said `done` (or we said `ready` under no-done); null when the
 * exchange ends without a pack (a stateless round, or the client left).
 */
async function negotiate(ctx: UploadContext, request: UploadRequest, wants: string[]): Promise<CommonObjects | null> {
  const { channel, session } = ctx;
  const caps = request.capabilities;
  const multiAck = caps.has('multi_ack_detailed') ? 2 : caps.has('multi_ack') ? 1 : 0;
  const noDone = caps.has('no-done');
  const common = new CommonObjects(ctx.objects, ctx.commits, await wantCommits(ctx, wants), ctx.slicer);
  let gotCommon = false;
  let gotOther = false;
  let sentReady = false;
  let last = '';
  const out: string[] = [];
  for (;;) {
    const line = await readNegotiationLine(ctx.reader, ctx.repo.algo, ctx.counter);
    if (line.kind === 'eof') {
      // A stateless client may stop after the shallow list; a stateful one just went away.
      return null;
    }
    if (line.kind === 'have') {
      const result = await common.add(line.oid);
      if (result === 'missing') {
        gotOther = true;
        if (multiAck && (await common.okToGiveUp())) {
          if (multiAck === 2) {
            sentReady = true;
            out.push(`ACK ${line.oid} ready\n`);
          } else out.push(`ACK ${line.oid} continue\n`);
        }
      } else {
        gotCommon = true;
        last = line.oid;
        if (multiAck === 2) out.push(`ACK ${last} common\n`);
        else if (multiAck === 1) out.push(`ACK ${last} continue\n`);
        else if (common.haves.length === 1) out.push(`ACK ${last}\n`);
      }
      continue;
    }
    if (line.kind === 'flush') {
      if (multiAck === 2 && gotCommon && !gotOther && (await common.okToGiveUp())) {
        sentReady = true;
        out.push(`ACK ${last} ready\n`);
      }
      if (common.haves.length === 0 || multiAck) out.push('NAK\n');
      if (noDone && sentReady) {
        out.push(`ACK ${last}\n`);
        await channel.packets(out.splice(0));
        return common;
      }
      await channel.packets(out.splice(0));
      if (session.statelessRpc) return null;
      gotCommon = false;
      gotOther = false;
      continue;
    }
    // done
    if (common.haves.length > 0) {
      if (multiAck) out.push(`ACK ${last}\n`);
    } else {
      out.push('NAK\n');
    }
    await channel.packets(out.splice(0));
    return common;
  }
}
