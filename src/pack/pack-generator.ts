import zlib from 'node:zlib';
import { PackError } from '../errors.js';
import { PACK_TYPE, type ObjectType } from '../objects/object-type.js';
import { createObjectHasher, type HashAlgorithm } from '../objects/oid.js';
import { encodeEntryHeader, encodeOfsDistance } from './entry-header.js';
import { PACK_ERROR } from './pack-errors.js';
import type { GeneratorPack, StoredEntryInfo } from './pack-generator-source.js';
import { encodePackHeader } from './pack-header.js';

/** An entry whose stored bytes are copied from a pack as they are. */
export interface CopiedEntry {
  kind: 'copy';
  oid: string;
  pack: GeneratorPack;
  entry: StoredEntryInfo;
}

/** An object deflated afresh (loose, or a delta whose base the client will not have). */
export interface FreshEntry {
  kind: 'fresh';
  oid: string;
  load(): Promise<{ type: ObjectType; data: Buffer }>;
}

export type GeneratorEntry = CopiedEntry | FreshEntry;

export interface GeneratePackOptions {
  algo: HashAlgorithm;
  objectCount: number;
  /** The client understands OFS_DELTA; otherwise every delta goes out as REF_DELTA. */
  ofsDelta: boolean;
  /** zlib level for fresh entries (git's pack.compression; -1 = zlib's default). */
  compressionLevel?: number;
  /** Size of the chunks yielded (the last one may be shorter). */
  chunkSize?: number;
  /** Called after each entry, with how many were written. */
  onEntry?(written: number): void;
  /** A copied entry whose bytes fail the index's CRC: the generator deflates it afresh instead. */
  onBadCrc?(oid: string, pack: GeneratorPack): void;
  /** Loads an object whole, for the fallback above. */
  loadObject?(oid: string): Promise<{ type: ObjectType; data: Buffer }>;
}

/**
 * Streams a pack in the given entry order: header, entries, trailer hash.
 * Copied deltas keep their stored data and only get a new header: OFS_DELTA
 * when the base went out earlier in this pack and the client takes it,
 * REF_DELTA otherwise (a base later in the pack, or one the client already
 * has for a thin pack). Output comes in chunks of about `chunkSize` bytes;
 * memory holds one chunk, one fresh object, and the offsets written so far.
 */
export async function* generatePack(entries: Iterable<GeneratorEntry> | AsyncIterable<GeneratorEntry>, options: GeneratePackOptions): AsyncGenerator<Buffer> {
  const out = new ChunkedOutput(createObjectHasher(options.algo), options.chunkSize ?? 64 * 1024);
  const written = new Map<string, number>();
  const level = options.compressionLevel ?? zlib.constants.Z_DEFAULT_COMPRESSION;
  out.push(encodePackHeader(options.objectCount));
  let count = 0;
  for await (const item of entries) {
    const start = out.offset;
    if (item.kind === 'copy' && verifyCrc(item)) {
      writeCopied(out, item, start, written, options.ofsDelta);
    } else {
      if (item.kind === 'copy') options.onBadCrc?.(item.oid, item.pack);
      const object = item.kind === 'fresh' ? await item.load() : await loadFallback(options, item.oid);
      out.push(encodeEntryHeader(PACK_TYPE[object.type], object.data.length));
      out.push(zlib.deflateSync(object.data, { level }));
    }
    written.set(item.oid, start);
    count++;
    options.onEntry?.(count);
    yield* out.drain();
  }
  if (count !== options.objectCount) {
    throw new PackError(PACK_ERROR.objectCount, `pack generator got ${count} objects, the header says ${options.objectCount}`);
  }
  yield* out.finish();
}

function writeCopied(out: ChunkedOutput, item: CopiedEntry, start: number, written: Map<string, number>, ofsDelta: boolean): void {
  const { entry, pack } = item;
  if (entry.typeCode < PACK_TYPE.ofsDelta) {
    out.push(encodeEntryHeader(entry.typeCode, entry.size));
  } else {
    if (!entry.baseOid) throw new PackError(PACK_ERROR.delta, `stored delta ${item.oid} has no known base`);
    const baseAt = written.get(entry.baseOid);
    if (ofsDelta && baseAt !== undefined) {
      out.push(encodeEntryHeader(PACK_TYPE.ofsDelta, entry.size));
      out.push(encodeOfsDistance(start - baseAt));
    } else {
      out.push(encodeEntryHeader(PACK_TYPE.refDelta, entry.size));
      out.push(Buffer.from(entry.baseOid, 'hex'));
    }
  }
  pack.copy(entry.dataStart, entry.end, (piece) => out.push(piece));
}

/** git checks the index's CRC of every entry it reuses, so that a damaged pack is not passed on. */
function verifyCrc(item: CopiedEntry): boolean {
  let crc = 0;
  item.pack.copy(item.entry.offset, item.entry.end, (piece) => {
    crc = zlib.crc32(piece, crc);
  });
  return crc === item.pack.crcAt(item.entry.offset);
}

async function loadFallback(options: GeneratePackOptions, oid: string): Promise<{ type: ObjectType; data: Buffer }> {
  if (!options.loadObject) throw new PackError(PACK_ERROR.zlib, `bad packed object CRC for ${oid}`);
  return options.loadObject(oid);
}

/** Collects output into fixed-size chunks and hashes everything that passes. */
class ChunkedOutput {
  offset = 0;
  private chunk: Buffer;
  private used = 0;
  private ready: Buffer[] = [];

  constructor(
    private readonly hasher: ReturnType<typeof createObjectHasher>,
    private readonly chunkSize: number,
  ) {
    this.chunk = Buffer.allocUnsafe(chunkSize);
  }

  /** Copies `bytes` (which may be a short-lived view) into the current chunk. */
  push(bytes: Buffer, hashed = true): void {
    if (hashed) this.hasher.update(bytes);
    this.offset += bytes.length;
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, this.chunkSize - this.used);
      bytes.copy(this.chunk, this.used, at, at + n);
      this.used += n;
      at += n;
      if (this.used === this.chunkSize) {
        this.ready.push(this.chunk);
        this.chunk = Buffer.allocUnsafe(this.chunkSize);
        this.used = 0;
      }
    }
  }

  *drain(): Generator<Buffer> {
    const ready = this.ready;
    this.ready = [];
    yield* ready;
  }

  *finish(): Generator<Buffer> {
    this.push(this.hasher.digest(), false);
    yield* this.drain();
    if (this.used > 0) yield this.chunk.subarray(0, this.used);
  }
}
