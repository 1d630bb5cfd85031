import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIdx, generatePack, type GeneratorEntry } from '../pack/index.js';
import { hashLength, type HashAlgorithm } from '../objects/oid.js';
import { fsyncDirectory } from '../repo/fs-durable.js';

export interface WrittenPack {
  /** "pack-<hash>". */
  base: string;
  path: string;
  objectCount: number;
  bytes: number;
}

/**
 * Writes `entries` (keys are hex object ids) as a new pack and its .idx,
 * the way git publishes one: both written to `tmp_*` names and fsynced, then
 * the .pack renamed to its final name before the .idx (readers only look at
 * packs that have an index, so no reader sees a pack before it is whole),
 * then the directory fsynced. A crash leaves at worst `tmp_*` litter.
 */
export async function writePackFiles(packDir: string, algo: HashAlgorithm, entries: GeneratorEntry[]): Promise<WrittenPack> {
  const hl = hashLength(algo);
  const count = entries.length;
  const oids = Buffer.alloc(count * hl);
  const offsets = new Float64Array(count);
  const crcs = new Uint32Array(count);
  let n = 0;
  const tag = randomBytes(8).toString('hex');
  const tmpPack = join(packDir, `tmp_pack_${tag}`);
  const tmpIdx = join(packDir, `tmp_idx_${tag}`);
  let tail: Buffer = Buffer.alloc(0);
  let bytes = 0;
  const file = await open(tmpPack, 'wx', 0o444);
  try {
    const stream = generatePack(entries, {
      algo,
      objectCount: count,
      ofsDelta: true,
      chunkSize: 1024 * 1024,
      onEntry(key, offset, crc) {
        oids.write(String(key), n * hl, 'hex');
        offsets[n] = offset;
        crcs[n] = crc;
        n++;
      },
    });
    for await (const chunk of stream) {
      await file.write(chunk);
      bytes += chunk.length;
      // The trailer (the pack's own hash) ends the last chunk.
      tail = chunk.length >= hl ? chunk : Buffer.concat([tail, chunk]).subarray(-hl);
    }
    await file.sync();
  } catch (error) {
    await file.close();
    await unlink(tmpPack).catch(() => undefined);
    throw error;
  }
  await file.close();
  const packHash = Buffer.from(tail.subarray(tail.length - hl));
  const base = `pack-${packHash.toString('hex')}`;
  try {
    const idx = buildIdx({ count, oids, offsets, crcs }, packHash, algo);
    const idxFile = await open(tmpIdx, 'wx', 0o444);
    try {
      await idxFile.writeFile(idx);
      await idxFile.sync();
    } finally {
      await idxFile.close();
    }
    await rename(tmpPack, join(packDir, `${base}.pack`));
    await rename(tmpIdx, join(packDir, `${base}.idx`));
  } catch (error) {
    await unlink(tmpPack).catch(() => undefined);
    await unlink(tmpIdx).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(packDir);
  return { base, path: join(packDir, `${base}.pack`), objectCount: count, bytes };
}
