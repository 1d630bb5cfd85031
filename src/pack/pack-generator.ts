import { once } from 'node:events';
import zlib from 'node:zlib';
import { PackError } from '../errors.js';
import type { SpilledContent } from '../objects/object-reader.js';
import { PACK_TYPE, type ObjectType } from '../objects/object-type.js';
import { PIECE_SIZE, STREAM_THRESHOLD } from './big-objects.js';
import { createChecksumHasher, type HashAlgorithm } from '../objects/oid.js';
import { createDelta } from './pack-generator-delta.js';
import { PACK_ERROR } from './pack-errors.js';
import { COPY_CHUNK, type GeneratorPack, type StoredEntryInfo } from './pack-generator-source.js';
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
  /** See FreshEntry. */
  loadLarge?(): Promise<LargeObject | null>;
  size?(): Promise<number | null>;
}

/** An object as ObjectReader.readLarge gives it: in memory, or (big) spilled, to be closed by the taker. */
export interface LargeObject {
  type: ObjectType;
  content: Buffer | SpilledContent;
}

/** A possible base for a delta computed now. */
export interface DeltaBaseCandidate {
  /** The base's key, when it is (or may be) an entry of this pack. */
  key: EntryKey;
  oid: string;
  /** The client has it: usable as a REF_DELTA base of a thin pack without being in the pack. */
  clientHas: boolean;
  load(): Promise<{ type: ObjectType; data: Buffer }>;
}

/**
 * An object written afresh: loose, or stored as a delta against a base the
 * client will not get. With `bases`, a new delta against the first usable one
 * is tried (a base already written and not waiting on a later one, or one the
 * client has); `stored` is copied when no delta pays off.
 */
export interface FreshEntry {
  kind: 'fresh';
  key: EntryKey;
  load(): Promise<{ type: ObjectType; data: Buffer }>;
  /** With size(): a big object is written from this, in pieces, instead of load(). */
  loadLarge?(): Promise<LargeObject | null>;
  /** The object's size without building it: a big one gets no new delta (it would need it and its base whole). */
  size?(): Promise<number | null>;
  bases?: DeltaBaseCandidate[];
  stored?: CopiedEntry;
}

export type GeneratorEntry = CopiedEntry | FreshEntry;

/** What the generator did, for git's "Total …, reused …" line. */
export interface PackStats {
  total: number;
  /** Entries written as deltas (stored or new). */
  deltas: number;
  /** Entries whose stored bytes were copied. */
  reused: number;
  reusedDeltas: number;
}

export interface GeneratePackOptions {
  algo: HashAlgorithm;
  objectCount: number;
  /** The client understands OFS_DELTA; otherwise every delta goes out as REF_DELTA. */
  ofsDelta: boolean;
  /** zlib level for fresh entries (git's pack.compression; -1 = zlib's default). */
  compressionLevel?: number;
  /** Size of the chunks yielded (the last one may be shorter). */
  chunkSize?: number;
  /** A copied entry whose bytes fail the index's CRC: it is deflated afresh instead. */
  onBadCrc?(entry: CopiedEntry): void;
  /** Filled in as entries are written. */
  stats?: PackStats;
  /** Told where each entry went and the CRC32 of its bytes: what a .idx records (a repack writes one). */
  onEntry?(key: EntryKey, offset: number, crc32: number): void;
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
  const out = new ChunkedOutput(
    createChecksumHasher(options.algo),
    options.chunkSize ?? 64 * 1024,
    options.onEntry !== undefined,
  );
  const written = new Map<EntryKey, number>();
  /** Written entries that are deltas against an entry not written yet: no base for a new delta. */
  const waiting = new Set<EntryKey>();
  const level = options.compressionLevel ?? zlib.constants.Z_DEFAULT_COMPRESSION;
  out.push(encodePackHeader(options.objectCount));
  out.takeCrc();
  let count = 0;
  // Synchronous for copied entries (the bulk of a clone); awaits only to load a fresh one or to hand out full chunks.
  for (const item of entries) {
    const start = out.offset;
    const copy = item.kind === 'copy' ? item : undefined;
    const stats = options.stats;
    if (stats) stats.total++;
    if (copy && writeCopied(out, copy, start, written, options.ofsDelta, stats)) {
      const base = copy.baseKey;
      if (base !== undefined && (!written.has(base) || waiting.has(base))) waiting.add(copy.key);
    } else if (item.kind === 'fresh' && (await writeNewDelta(out, item, start, written, waiting, options))) {
      if (stats) stats.deltas++;
    } else if (item.kind === 'fresh' && item.stored && writeCopied(out, item.stored, start, written, options.ofsDelta, stats)) {
      // stored whole after all
    } else {
      if (copy) options.onBadCrc?.(copy);
      yield* writeWhole(out, item, level);
    }
    written.set(item.key, start);
    options.onEntry?.(item.key, start, out.takeCrc());
    count++;
    if (out.hasReady) yield* out.drain();
  }
  if (count !== options.objectCount) {
    throw new PackError(PACK_ERROR.objectCount, `pack generator got ${count} objects, the header says ${options.objectCount}`);
  }
  yield* out.finish();
}

/** New deltas tried per object before it goes whole. */
const MAX_DELTA_TRIES = 3;

/** Tries the entry's usable delta bases in order; true when a new delta was written. */
async function writeNewDelta(
  out: ChunkedOutput,
  item: FreshEntry,
  start: number,
  written: Map<EntryKey, number>,
  waiting: Set<EntryKey>,
  options: GeneratePackOptions,
): Promise<boolean> {
  // A base in this pack must not wait on a later entry (which might wait on this one); else it must be the client's.
  const usable = (item.bases ?? [])
    .filter((c) => (written.has(c.key) ? !waiting.has(c.key) : c.clientHas))
    .slice(0, MAX_DELTA_TRIES);
  if (usable.length === 0) return false;
  if (item.size) {
    const size = await item.size();
    if (size === null || size > STREAM_THRESHOLD) return false;
  }
  const object = await item.load();
  // git's bar for a new delta: at most half the object's size (less the id it has to name).
  const maxSize = Math.floor(object.data.length / 2) - 20;
  if (maxSize <= 0) return false;
  for (const base of usable) {
    const baseObject = await base.load();
    // The base's type becomes the result's: only the same type will do.
    if (baseObject.type !== object.type) continue;
    const delta = createDelta(baseObject.data, object.data, maxSize);
    if (!delta) continue;
    const baseAt = written.get(base.key);
    if (options.ofsDelta && baseAt !== undefined) {
      out.header(PACK_TYPE.ofsDelta, delta.length, start - baseAt);
    } else {
      out.header(PACK_TYPE.refDelta, delta.length);
      out.push(Buffer.from(base.oid, 'hex'));
    }
    out.push(zlib.deflateSync(delta, { level: options.compressionLevel ?? zlib.constants.Z_DEFAULT_COMPRESSION }));
    return true;
  }
  return false;
}

/** Deflates an object afresh; a big one (loadLarge) in pieces, never whole, yielding output as it fills. */
async function* writeWhole(out: ChunkedOutput, item: GeneratorEntry, level: number): AsyncGenerator<Buffer> {
  const size = item.loadLarge && item.size ? await item.size() : null;
  const large = size !== null && size > STREAM_THRESHOLD ? await item.loadLarge!() : null;
  if (!large || Buffer.isBuffer(large.content)) {
    const object = large ? { type: large.type, data: large.content as Buffer } : await item.load();
    out.header(PACK_TYPE[object.type], object.data.length);
    out.push(zlib.deflateSync(object.data, { level }));
    return;
  }
  const content = large.content;
  try {
    out.header(PACK_TYPE[large.type], content.length);
    const deflate = zlib.createDeflate({ level });
    const parts: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => parts.push(chunk));
    const take = () => {
      for (const part of parts.splice(0)) out.push(part);
    };
    for (let start = 0; start < content.length; start += PIECE_SIZE) {
      // The spill file's view lasts until its next read: the deflate stream gets a copy.
      if (!deflate.write(Buffer.from(content.read(start, Math.min(content.length, start + PIECE_SIZE))))) {
        await once(deflate, 'drain');
      }
      take();
      if (out.hasReady) yield* out.drain();
    }
    const ended = once(deflate, 'end');
    deflate.end();
    await ended;
    take();
  } finally {
    content.close();
  }
}

/**
 * Writes a stored entry with a new header; false (nothing written) when its
 * bytes fail the index's CRC. git checks the CRC of every entry it reuses,
 * so that a damaged pack is not passed on.
 */
function writeCopied(
  out: ChunkedOutput,
  item: CopiedEntry,
  start: number,
  written: Map<EntryKey, number>,
  ofsDelta: boolean,
  stats?: PackStats,
): boolean {
  const { entry, pack } = item;
  // Most entries fit one window read: checked and copied from the same view.
  const whole = entry.end - entry.offset <= COPY_CHUNK ? pack.view(entry.offset, entry.end) : undefined;
  if (whole) {
    if (zlib.crc32(whole) !== pack.crcAt(item.position)) return false;
  } else {
    let crc = 0;
    pack.copy(entry.offset, entry.end, (piece) => {
      crc = zlib.crc32(piece, crc);
    });
    if (crc !== pack.crcAt(item.position)) return false;
  }
  if (stats) stats.reused++;
  if (entry.typeCode < PACK_TYPE.ofsDelta) {
    out.header(entry.typeCode, entry.size);
  } else {
    if (stats) {
      stats.deltas++;
      stats.reusedDeltas++;
    }
    const baseAt = item.baseKey === undefined ? undefined : written.get(item.baseKey);
    if (ofsDelta && baseAt !== undefined) {
      out.header(PACK_TYPE.ofsDelta, entry.size, start - baseAt);
    } else {
      // A base later in this pack, or one the client has (thin pack): named by id.
      out.header(PACK_TYPE.refDelta, entry.size);
      out.push(Buffer.from(pack.baseOid(entry), 'hex'));
    }
  }
  if (whole) out.push(whole.subarray(entry.dataStart - entry.offset));
  else pack.copy(entry.dataStart, entry.end, (piece) => out.push(piece));
  return true;
}

/** Collects output into fixed-size chunks and hashes each chunk as it fills. */
class ChunkedOutput {
  offset = 0;
  private chunk: Buffer;
  private used = 0;
  private ready: Buffer[] = [];

  /** CRC32 of what was pushed since the last takeCrc(), when asked for. */
  private crc = 0;

  constructor(
    private readonly hasher: ReturnType<typeof createChecksumHasher>,
    private readonly chunkSize: number,
    private readonly withCrc = false,
  ) {
    this.chunk = Buffer.allocUnsafe(chunkSize);
  }

  takeCrc(): number {
    const crc = this.crc;
    this.crc = 0;
    return crc;
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
        b[n++] = 0x80 | (d % 128);
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
    if (this.withCrc) this.crc = zlib.crc32(bytes, this.crc);
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
