import { objectTypeFromCode, type ObjectType } from '../objects/object-type.js';
import { objectHasherFactory, type HashAlgorithm } from '../objects/oid.js';
import { STREAM_THRESHOLD, isHeld } from './big-objects.js';
import { applyDeltaPieces, type DeltaBase } from './delta-stream.js';
import type { FileWindow } from './file-window.js';
import { inflateEntry } from './inflate.js';
import { ObjectSink } from './object-sink.js';
import { PACK_ERROR, badObject } from './pack-errors.js';
import { inflateStoredPieces } from './piece-inflater.js';
import { SpillFile } from './spill-file.js';
import { Turns } from './turns.js';

/** How one entry of a stored pack is laid out. */
export interface StoredLayout {
  offset: number;
  /** 1-4, or 6/7 for deltas. */
  typeCode: number;
  /** Inflated size of the stored data (a delta's own size for a delta). */
  size: number;
  dataStart: number;
  end: number;
  /** Deltas: the base's offset in the same pack. */
  baseOffset: number;
}

const MAX_CHAIN_LENGTH = 10_000;

/**
 * Builds the object stored at `offset` of a pack without ever holding a big
 * content whole: the chain's whole object is inflated in pieces (into a
 * spill file when big) and each delta up the chain is applied in pieces
 * (see delta-stream.ts), the previous step's spill dropped as the next is
 * built. Small contents come back as buffers.
 */
export async function readLargeObject(
  window: FileWindow,
  layoutAt: (offset: number) => StoredLayout,
  offset: number,
  algo: HashAlgorithm,
  spillDir: string,
): Promise<{ type: ObjectType; content: DeltaBase }> {
  const turns = new Turns();
  const chain: StoredLayout[] = [];
  let entry = layoutAt(offset);
  while (entry.typeCode >= 6) {
    chain.push(entry);
    if (chain.length > MAX_CHAIN_LENGTH) throw badObject(PACK_ERROR.delta, offset, 'delta chain too long (cycle?)');
    entry = layoutAt(entry.baseOffset);
  }
  const type = objectTypeFromCode(entry.typeCode)!;
  let content: DeltaBase;
  if (isHeld(type, entry.size)) content = inflateWhole(window, entry);
  else {
    const spill = SpillFile.create(spillDir);
    try {
      for await (const piece of inflateStoredPieces(window, entry.dataStart, entry.end, entry.size, entry.offset, turns)) {
        spill.append(piece);
      }
    } catch (error) {
      spill.close();
      throw error;
    }
    content = spill;
  }
  for (let k = chain.length - 1; k >= 0; k--) {
    const delta = chain[k]!;
    const pieces =
      delta.size <= STREAM_THRESHOLD
        ? [inflateWhole(window, delta)]
        : inflateStoredPieces(window, delta.dataStart, delta.end, delta.size, delta.offset, turns);
    let sink: ObjectSink | undefined;
    try {
      await applyDeltaPieces(
        pieces,
        content,
        ({ resultSize }) => {
          const keep = isHeld(type, resultSize) ? { in: 'memory' as const } : { in: 'spill' as const, dir: spillDir };
          sink = new ObjectSink(objectHasherFactory(algo), type, resultSize, keep);
          return sink.write;
        },
        turns,
      );
    } catch (error) {
      sink?.discard();
      if (content instanceof SpillFile) content.close();
      throw error;
    }
    if (content instanceof SpillFile) content.close();
    content = sink!.finish().content!;
  }
  return { type, content };
}

function inflateWhole(window: FileWindow, entry: StoredLayout): Buffer {
  const inflated = inflateEntry(window.read(entry.dataStart, entry.end), entry.size, entry.offset);
  if (!inflated) throw badObject(PACK_ERROR.zlib, entry.offset, 'zlib stream runs past the end of the entry');
  return inflated.data;
}
