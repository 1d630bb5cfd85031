import { randomBytes } from 'node:crypto';
import { open, rename, rm, chmod, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { PackError } from '../errors.js';
import type { ObjectReader } from '../objects/object-reader.js';
import { objectHasherFactory, type HashAlgorithm, type ObjectHasherFactory } from '../objects/oid.js';
import { DeltaResolver } from './delta-resolver.js';
import { FileWindow } from './file-window.js';
import { buildIdx } from './idx-writer.js';
import { PackInput } from './pack-input.js';
import { ingestPack } from './pack-ingest.js';
import { PACK_ERROR } from './pack-errors.js';
import { ProgressReporter, type ProgressCallback } from './progress.js';
import type { ObjectVisitor } from './object-visitor.js';
import { appendThinBases, rewriteHeaderAndTrailer, writeFully } from './thin-pack.js';

export interface IndexPackOptions {
  /** The pack bytes from the `PACK` signature to the trailer, and nothing after. */
  input: AsyncIterable<Uint8Array>;
  /** Directory that receives pack-<hash>.pack and .idx (and the temp files meanwhile). */
  packDir: string;
  algo: HashAlgorithm;
  /** SHA-1 collision detection (default true; pushgate.sha1CollisionDetection). */
  detectCollisions?: boolean;
  /** Hashes object ids in place of the default (tests inject one that reports collisions). */
  hasher?: ObjectHasherFactory;
  /** Where REF_DELTA bases missing from a thin pack are looked up. */
  baseObjects?: ObjectReader;
  maxInputSize?: number;
  maxObjectSize?: number;
  onProgress?: ProgressCallback;
  /** Sees every received object once (see object-visitor.ts). */
  onObject?: ObjectVisitor;
  /** Bytes of delta bases held while resolving before older ones are dropped and recomputed (default 96 MiB). */
  deltaBaseBudget?: number;
  /**
   * The input ends right after the pack, as an HTTP request body does: wait
   * for that end to judge trailing bytes. Leave it unset for a two-way
   * transport (stdio, SSH), where the client sends nothing after the pack and
   * keeps its end open waiting for the report: then nothing beyond the pack's
   * trailer is waited for, and only bytes already received count as junk.
   */
  inputEnds?: boolean;
}

export interface IndexPackResult {
  packPath: string;
  idxPath: string;
  /** Trailer hash of the stored pack (after thin completion), hex; also the file names' hash. */
  packHash: string;
  /** Objects in the stored pack, including appended thin bases. */
  objectCount: number;
  /** Objects the sender's pack announced (and contained). */
  receivedObjects: number;
  /** Bytes read from the input. */
  bytes: number;
  thinBasesAdded: number;
}

/**
 * Streams a received pack to disk, indexes it and stores it as a
 * self-contained pack + .idx v2, like `git index-pack --stdin --fix-thin`.
 * On any failure nothing is left in packDir.
 */
export async function indexPack(options: IndexPackOptions): Promise<IndexPackResult> {
  const { packDir, algo } = options;
  const suffix = randomBytes(6).toString('hex');
  const tmpPack = path.join(packDir, `tmp_pack_${suffix}`);
  const tmpIdx = path.join(packDir, `tmp_idx_${suffix}`);
  const progress = new ProgressReporter(options.onProgress);
  const hasher = options.hasher ?? objectHasherFactory(algo, { detectCollisions: options.detectCollisions });
  let file: FileHandle | undefined = await open(tmpPack, 'wx+', 0o644);
  const packFile = file;
  const input = new PackInput(options.input, (chunk, at) => writeFully(packFile, chunk, at), options.maxInputSize);
  let resolver: DeltaResolver | undefined;
  try {
    const ingested = await ingestPack(input, {
      algo,
      hasher,
      maxObjectSize: options.maxObjectSize,
      progress,
      onObject: options.onObject,
      inputEnds: options.inputEnds,
    });
    const { table, refChildren, header } = ingested;
    const window = new FileWindow(file.fd);
    resolver = new DeltaResolver(table, refChildren, window, ingested.endOfObjects, {
      algo,
      spillDir: packDir,
      hasher,
      progress,
      maxObjectSize: options.maxObjectSize,
      baseBudget: options.deltaBaseBudget,
      onObject: options.onObject,
    });
    await resolver.resolveInPack();
    let thinBasesAdded = 0;
    if (resolver.unresolvedDeltas > 0 && options.baseObjects) {
      thinBasesAdded = await appendThinBases({
        table,
        refChildren,
        resolver,
        window,
        file,
        baseObjects: options.baseObjects,
        algo,
        spillDir: packDir,
        hasher,
      });
    }
    const unresolved = resolver.unresolvedDeltas;
    if (unresolved > 0) {
      throw new PackError(PACK_ERROR.unresolvedDelta, `pack has ${unresolved} unresolved delta${unresolved === 1 ? '' : 's'}`, {
        unresolved,
      });
    }
    resolver.dispose();
    const packHash =
      thinBasesAdded > 0 ? await rewriteHeaderAndTrailer(file, table.count, resolver.endOfObjects, algo) : ingested.packHash;
    await file.sync();
    await file.close();
    file = undefined;

    const idx = buildIdx({ count: table.count, oids: table.oids, offsets: table.offsets, crcs: table.crcs }, packHash, algo);
    await writeDurably(tmpIdx, idx);
    const name = `pack-${packHash.toString('hex')}`;
    const packPath = path.join(packDir, `${name}.pack`);
    const idxPath = path.join(packDir, `${name}.idx`);
    // Read-only like git's, and the pack becomes visible before its index.
    await chmod(tmpPack, 0o444);
    await chmod(tmpIdx, 0o444);
    await rename(tmpPack, packPath);
    await rename(tmpIdx, idxPath);
    await syncDirectory(packDir);
    return {
      packPath,
      idxPath,
      packHash: packHash.toString('hex'),
      objectCount: table.count,
      receivedObjects: header.objectCount,
      bytes: input.bytesReceived,
      thinBasesAdded,
    };
  } catch (error) {
    resolver?.dispose();
    await input.close().catch(() => undefined);
    await file?.close().catch(() => undefined);
    await rm(tmpPack, { force: true });
    await rm(tmpIdx, { force: true });
    throw error;
  }
}

async function writeDurably(filePath: string, bytes: Buffer): Promise<void> {
  const handle = await open(filePath, 'wx', 0o644);
  try {
    await writeFully(handle, bytes, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
