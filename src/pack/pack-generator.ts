import zlib from 'node:zlib';
import { PackError } from '../errors.js';
import { PACK_TYPE, type ObjectType } from '../objects/object-type.js';
import { createObjectHasher, type HashAlgorithm } from '../objects/oid.js';
import { PACK_ERROR } from './pack-errors.js';
import type { GeneratorPack, StoredEntryInfo } from './pack-generator-source.js';
import { encodePackHeader } from './pack-header.js';

/** Identifies an entry within one generated pack (for OFS_DELTA bases): any number or string the caller chooses. */
export type EntryKey = number | string;

/** An entry whose stored bytes are copied from a pack as they are. */
export interface CopiedEntry {
  kind: 'copy';
  key: EntryKey;
  pack: GeneratorPack;
  /** Index position of the entry in `pack` (for its CRC). */
  position: number;
  entry: StoredEntryInfo;
  /** Deltas: the key of the base when the base is in this pack too; else the base is the client's (thin pack). */
  baseKey?: EntryKey;
  /** The object whole, should the stored bytes turn out damaged. */
  load(): Promise<{ type: ObjectType; data: Buffer }>;
}

/** An object deflated afresh (loose, or a delta whose base the client will not have). */
export interface FreshEntry {
  kind: 'fresh';
  key: EntryKey;
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
  /** A copied entry whose bytes fail the index's CRC: it is deflated afresh instead. */
  onBadCrc?(entry: CopiedEntry): void;
}

/**
 * Streams a pack in the given entry order: header, entries, trailer hash.
 * Copied deltas keep their stored data and only get a new header: OFS_DELTA
 * when the base went out earlier in this pack and the client takes it,
 * REF_DELTA otherwise (a base later in the pack, or one the client already
 * has for a thin pack). Output comes in chunks of about `chunkSize` bytes;
 * memory holds one chunk, one fresh object, and the offsets written so far.
 */
export async function* generatePack(entries: Iterable<GeneratorEntry>, options: GeneratePackOptions): AsyncGenerator<Buffer> {
  const out = new ChunkedOutput(createObjectHasher(options.algo), options.chunkSize ?? 64 * 1024);
  const written = new Map<EntryKey, number>();
  const level = options.compressionLevel ?? zlib.constants.Z_DEFAULT_COMPRESSION;
  out.push(encodePackHeader(options.objectCount));
  let count = 0;
  // Synchronous for copied entries (the bulk of a clone); awaits only to load a fresh one or to hand out full chunks.
  for (const item of entries) {
    const start = out.offset;
    if (item.kind === 'copy' && verifyCrc(item)) {
      writeCopied(out, item, start, written, options.ofsDelta);
    } else {
      if (item.kind === 'copy') options.onBadCrc?.(item);
      const object = await item.load();
      out.header(PACK_TYPE[object.type], object.data.length);
      out.push(zlib.deflateSync(object.data, { level }));
    }
    written.set(item.key, start);
    count++;
    options.onEntry?.(count);
    if (out.hasReady) yield* out.drain();
  }
  if (count !== options.objectCount) {
    throw new PackError(PACK_ERROR.objectCount, `pack generator got ${count} objects, the header says ${options.objectCount}`);
  }
  yield* out.finish();
}

function writeCopied(out: ChunkedOutput, item: CopiedEntry, start: number, written: Map<EntryKey, number>, ofsDelta: boolean): void {
  const { entry, pack } = item;
  if (entry.typeCode < PACK_TYPE.ofsDelta) {
    out.header(entry.typeCode, entry.size);
  } else {
    const baseAt = item.baseKey === undefined ? undefined : written.get(item.baseKey);
    if (ofsDelta && baseAt !== undefined) {
      out.header(PACK_TYPE.ofsDelta, entry.size, start - baseAt);
    } else {
      // A base later in this pack, or one the client has (thin pack): named by id.
      out.header(PACK_TYPE.refDelta, entry.size);
      out.push(Buffer.from(pack.baseOid(entry), 'hex'));
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
  return crc === item.pack.crcAt(item.position);
}

/** Collects output into fixed-size chunks and hashes each chunk as it fills. */
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

  private readonly scratch = Buffer.alloc(32);

  /** An entry header (gitformat-pack), and an OFS_DELTA's distance back to its base. */
  header(typeCode: number, size: number, ofsDistance?: number): void {
    const b = this.scratch;
    let n = 0;
    let byte = (typeCode << 4) | (size % 16);
    let rest = Math.floor(size / 16);
    while (rest > 0) {
      b[n++] = byte | 0x80;
      byte = rest % 128;
      rest = Math.floor(rest / 128);
    }
    b[n++] = byte;
    if (ofsDistance !== undefined) {
      // Big-endian 7-bit groups, each continuation adding one (so written back to front).
      const start = n;
      let d = ofsDistance;
      b[n++] = d % 128;
      d = Math.floor(d / 128);
      while (d > 0) {
        d -= 1;
        b[n++] = 0x80 | d % 128;
        d = Math.floor(d / 128);
      }
      b.subarray(start, n).reverse();
    }
    this.push(b.subarray(0, n));
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Copies `bytes` (which may be a short-lived view) into the current chunk. */
  push(bytes: Buffer): void {
    this.offset += bytes.length;
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, this.chunkSize - this.used);
      bytes.copy(this.chunk, this.used, at, at + n);
      this.used += n;
      at += n;
      if (this.used === this.chunkSize) {
        this.hasher.update(this.chunk);
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

  /** The rest, then the trailer: the hash of everything before it. */
  *finish(): Generator<Buffer> {
    yield* this.drain();
    const rest = this.chunk.subarray(0, this.used);
    this.hasher.update(rest);
    yield Buffer.concat([rest, this.hasher.digest()]);
  }
}
