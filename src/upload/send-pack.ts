import { generatePack } from '../pack/index.js';
import type { SidebandWriter } from '../protocol/sideband-writer.js';
import type { CommitStore } from './commit-store.js';
import { enumerateObjects } from './enumerate.js';
import type { UploadObjects } from './object-access.js';
import { Pacer } from './pacer.js';
import { planPack } from './pack-plan.js';
import { ProgressMeter } from './progress.js';

export interface PackRequest {
  wants: readonly string[];
  haves: readonly string[];
  grafts: ReadonlySet<string>;
  thin: boolean;
  ofsDelta: boolean;
  progress: boolean;
  /** refs/tags values to consider for include-tag; undefined when it was not asked for. */
  tagCandidates?: readonly string[];
  compressionLevel: number;
}

export interface PackSent {
  objects: number;
  bytes: number;
}

/**
 * The pack phase of upload-pack (what git hands to pack-objects): count the
 * objects, plan their reuse, stream the pack on band 1 with git's progress
 * lines on band 2, and keep the connection alive while counting.
 */
export async function sendPack(
  objects: UploadObjects,
  commits: CommitStore,
  channel: SidebandWriter,
  request: PackRequest,
): Promise<PackSent> {
  const say = (text: string) => (request.progress ? channel.progress(text) : undefined);
  const counter = { count: 0 };
  const enumerating = new ProgressMeter('Enumerating objects', undefined, say);
  const pacer = new Pacer(async () => {
    await enumerating.update(counter.count);
    await channel.keepAliveIfIdle();
  });
  const found = await enumerateObjects(objects, commits, request, { pacer, counter });
  await enumerating.done(found.objects.length);

  const counted = { count: 0 };
  const counting = new ProgressMeter('Counting objects', found.objects.length, say);
  const countPacer = new Pacer(async () => {
    await counting.update(counted.count);
    await channel.keepAliveIfIdle();
  });
  const plan = await planPack(objects, found.objects, found.marks, found.clientByName, {
    thin: request.thin,
    pacer: countPacer,
    counter: counted,
  });
  await counting.done(found.objects.length);

  let bytes = 0;
  const damaged: string[] = [];
  const chunkSize = channel.sidebandMax ? channel.bandPayload : 64 * 1024;
  const stream = generatePack(plan.entries(), {
    algo: objects.algo,
    objectCount: plan.count,
    ofsDelta: request.ofsDelta,
    compressionLevel: request.compressionLevel,
    chunkSize,
    stats: plan.stats,
    onBadCrc: (entry) => damaged.push(objects.hexOf(entry.key as number)),
  });
  for await (const chunk of stream) {
    bytes += chunk.length;
    await channel.data(chunk);
  }
  // As pack-objects' stderr would have it (upload-pack relays that on band 2 whatever no-progress says).
  for (const oid of damaged) await channel.progress(`error: bad packed object CRC for ${oid}\n`);
  const s = plan.stats;
  await say(`Total ${s.total} (delta ${s.deltas}), reused ${s.reused} (delta ${s.reusedDeltas}), pack-reused 0\n`);
  return { objects: plan.count, bytes };
}
