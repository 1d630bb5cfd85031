import zlib from 'node:zlib';
import type { Hash } from 'node:crypto';
import { objectTypeFromCode } from '../objects/object-type.js';
import type { ObjectHasherFactory } from '../objects/oid.js';
import { ObjectSink } from './object-sink.js';
import type { PackInput } from './pack-input.js';
import { truncatedPack } from './pack-errors.js';
import type { PieceInflater } from './piece-inflater.js';
import type { Turns } from './turns.js';

/** The longest delta size header (two varints), which is all a streamed delta is kept for. */
const DELTA_HEAD = 20;

export interface BigEntry {
  offset: number;
  headerLength: number;
  typeCode: number;
  size: number;
}

export interface StreamedEntry {
  /** CRC32 of the entry's bytes as stored, header included. */
  crc: number;
  /** A whole object's id. */
  oid?: Buffer;
  /** A delta's first bytes, for its size header. */
  deltaHead?: Buffer;
}

/**
 * Reads one big entry off the input while it arrives: the compressed bytes
 * are hashed into the pack hash and the CRC and consumed as zlib takes them,
 * and the inflated pieces are hashed into the object id (or, for a delta,
 * only its size header is kept). Memory stays at one piece whatever the
 * object's size; the bytes themselves are already in the pack file.
 * `more(n)` fetches input like PackInput.fill, within the pack.
 */
export async function streamEntry(
  input: PackInput,
  packHasher: Hash,
  more: (min: number) => Promise<boolean>,
  entry: BigEntry,
  hasher: ObjectHasherFactory,
  inflater: PieceInflater,
  turns: Turns,
): Promise<StreamedEntry> {
  const { offset, headerLength, typeCode, size } = entry;
  const header = input.buf.subarray(input.pos, input.pos + headerLength);
  packHasher.update(header);
  let crc = zlib.crc32(header);
  input.consume(headerLength);
  const type = objectTypeFromCode(typeCode);
  const sink = type ? new ObjectSink(hasher, type, size, { in: 'nothing' }) : undefined;
  let deltaHead = Buffer.alloc(0);
  let outputWasFull = false;
  for (;;) {
    // With its output full, zlib may hold more: collect that before waiting for input.
    if (input.available === 0 && !outputWasFull && !(await more(1))) throw truncatedPack(offset);
    const { consumed, produced } = inflater.write(input.buf, input.pos, input.buf.length);
    const taken = input.buf.subarray(input.pos, input.pos + consumed);
    packHasher.update(taken);
    crc = zlib.crc32(taken, crc);
    input.consume(consumed);
    if (produced > 0) {
      const piece = inflater.out.subarray(0, produced);
      if (sink) sink.write(piece);
      else if (deltaHead.length < DELTA_HEAD) deltaHead = Buffer.concat([deltaHead, piece.subarray(0, DELTA_HEAD)]);
    }
    if (inflater.ended) break;
    outputWasFull = produced > 0 && produced === inflater.out.length;
    await turns.maybe();
  }
  inflater.checkSize();
  return sink ? { crc, oid: sink.finish().oid } : { crc, deltaHead };
}
