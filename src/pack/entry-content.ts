import { PackError } from '../errors.js';
import { objectTypeFromCode } from '../objects/object-type.js';
import { objectHeader, type HashAlgorithm, type ObjectHasherFactory } from '../objects/oid.js';
import { STREAM_THRESHOLD, checkNonBlobSize, isHeld } from './big-objects.js';
import { applyDelta, readDeltaSizes } from './delta.js';
import { applyDeltaPieces } from './delta-stream.js';
import type { FileWindow } from './file-window.js';
import { inflateEntry } from './inflate.js';
import { ObjectSink, type Keep } from './object-sink.js';
import type { ObjectTable } from './object-table.js';
import { PACK_ERROR, badObject, objectTooLarge } from './pack-errors.js';
import { inflateStoredPieces } from './piece-inflater.js';
import { SpillFile } from './spill-file.js';
import type { Turns } from './turns.js';

/** An object's content while its deltas are resolved: in memory, or spilled when big. */
export type Content = Buffer | SpillFile;

/** A resolved delta: its id, size, and content when it was kept. */
export interface Resolved {
  oid: Buffer;
  size: number;
  content: Content | null;
}

export interface EntryContentOptions {
  algo: HashAlgorithm;
  /** Computes object ids (collision-checked SHA-1 unless turned off). */
  hasher: ObjectHasherFactory;
  /** Where big contents are spilled (the pack's own directory). */
  spillDir: string;
  maxObjectSize?: number;
}

/**
 * Reads back the entries of the pack being indexed, for the delta resolver:
 * small ones whole through the one-shot paths, big ones (see big-objects.ts)
 * in pieces, with big bases spilled to disk, so that no content of any size
 * is ever whole in memory. Every spill file it makes is closed by dispose().
 */
export class EntryContent {
  private readonly spills = new Set<SpillFile>();

  constructor(
    private readonly table: ObjectTable,
    private readonly window: FileWindow,
    /** Where the last entry ends (it moves as thin bases are appended). */
    private readonly endOfObjects: () => number,
    private readonly options: EntryContentOptions,
    private readonly turns: Turns,
  ) {}

  /** Inflated data of entry `i` as stored (object content, or the delta), whole: for small entries. */
  loadEntryData(i: number): Buffer {
    const table = this.table;
    const inflated = inflateEntry(this.window.read(table.dataOffset(i), this.entryEnd(i)), table.sizes[i]!, table.offsets[i]!);
    if (!inflated) throw badObject(PACK_ERROR.zlib, table.offsets[i]!, 'zlib stream runs past the end of the entry');
    return inflated.data;
  }

  /** The content of whole object `i`, to resolve deltas against: spilled when big. */
  async loadBase(i: number): Promise<Content> {
    const size = this.table.sizes[i]!;
    const type = objectTypeFromCode(this.table.objectTypes[i]!)!;
    if (isHeld(type, size)) return this.loadEntryData(i);
    const spill = this.track(SpillFile.create(this.options.spillDir));
    for await (const piece of this.storedPieces(i)) spill.append(piece);
    return spill;
  }

  /**
   * Applies delta entry `child` to `base` (an object of pack type `typeCode`)
   * the fast way, when delta, base and result are all small: synchronous and
   * whole, as nearly every delta is. null when it does not apply.
   */
  applyHeld(child: number, base: Content, typeCode: number): Resolved | null {
    if (!Buffer.isBuffer(base) || this.table.sizes[child]! > STREAM_THRESHOLD) return null;
    const type = objectTypeFromCode(typeCode)!;
    return this.wrapDeltaError(child, () => {
      const delta = this.loadEntryData(child);
      const { resultSize } = readDeltaSizes(delta);
      this.checkResult(child, typeCode, resultSize);
      if (!isHeld(type, resultSize)) return null;
      const data = applyDelta(base, delta);
      const oid = this.options.hasher().update(objectHeader(type, data.length)).update(data).digest();
      return { oid, size: data.length, content: data };
    });
  }

  /**
   * Applies delta entry `child` to `base` in pieces (see applyHeld for the
   * small case). A small result is returned in memory; a big one is hashed
   * as it is built and kept in a spill file only when `keep` says it will be
   * a base.
   */
  async applyEntryDelta(child: number, base: Content, typeCode: number, keep: boolean): Promise<Resolved> {
    const held = this.applyHeld(child, base, typeCode);
    if (held) return held;
    const type = objectTypeFromCode(typeCode)!;
    // A big delta (it mostly carries inserted data) is itself read in pieces.
    const pieces = this.table.sizes[child]! <= STREAM_THRESHOLD ? [this.loadEntryData(child)] : this.storedPieces(child);
    let sink: ObjectSink | undefined;
    try {
      await this.wrapDeltaError(child, () =>
        applyDeltaPieces(
          pieces,
          base,
          ({ resultSize }) => {
            this.checkResult(child, typeCode, resultSize);
            const how: Keep = isHeld(type, resultSize)
              ? { in: 'memory' }
              : keep
                ? { in: 'spill', dir: this.options.spillDir }
                : { in: 'nothing' };
            sink = new ObjectSink(this.options.hasher, type, resultSize, how);
            return sink.write;
          },
          this.turns,
        ),
      );
    } catch (error) {
      sink?.discard();
      throw error;
    }
    const done = sink!.finish();
    if (done.content instanceof SpillFile) this.track(done.content);
    return done;
  }

  /** git's wording for a delta that cannot be applied, with the entry's offset. */
  private wrapDeltaError<T>(child: number, apply: () => T): T {
    const rethrow = (error: unknown): never => {
      if (error instanceof PackError && error.code === PACK_ERROR.delta) {
        throw badObject(PACK_ERROR.delta, this.table.offsets[child]!, `failed to apply delta (${error.message})`);
      }
      throw error;
    };
    try {
      const result = apply();
      return result instanceof Promise ? (result.catch(rethrow) as T) : result;
    } catch (error) {
      return rethrow(error);
    }
  }

  /** Bytes the content takes in memory (a spill file takes none). */
  static heldBytes(content: Content | null): number {
    return Buffer.isBuffer(content) ? content.length : 0;
  }

  static spilledBytes(content: Content | null): number {
    return content instanceof SpillFile ? content.length : 0;
  }

  /** Lets go of a content: a spill file is closed (and so gone). */
  drop(content: Content | null): void {
    if (content instanceof SpillFile) {
      content.close();
      this.spills.delete(content);
    }
  }

  dispose(): void {
    for (const spill of this.spills) spill.close();
    this.spills.clear();
  }

  /** Takes charge of a content made elsewhere (a thin base read from the repository), so that dispose() covers it. */
  adopt(content: Content): void {
    if (content instanceof SpillFile) this.track(content);
  }

  private track(spill: SpillFile): SpillFile {
    this.spills.add(spill);
    return spill;
  }

  private checkResult(child: number, typeCode: number, resultSize: number): void {
    const offset = this.table.offsets[child]!;
    const { maxObjectSize } = this.options;
    if (maxObjectSize !== undefined && resultSize > maxObjectSize) throw objectTooLarge(offset, resultSize, maxObjectSize);
    checkNonBlobSize(objectTypeFromCode(typeCode)!, resultSize, offset);
  }

  private storedPieces(i: number): AsyncGenerator<Buffer> {
    const table = this.table;
    return inflateStoredPieces(
      this.window,
      table.dataOffset(i),
      this.entryEnd(i),
      table.sizes[i]!,
      table.offsets[i]!,
      this.turns,
    );
  }

  private entryEnd(i: number): number {
    return i + 1 < this.table.count ? this.table.offsets[i + 1]! : this.endOfObjects();
  }
}
