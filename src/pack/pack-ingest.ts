import zlib from 'node:zlib';
import type { Hash } from 'node:crypto';
import { PackError } from '../errors.js';
import { PACK_TYPE, objectTypeFromCode } from '../objects/object-type.js';
import { createChecksumHasher, hashLength, objectHeader, type HashAlgorithm, type ObjectHasherFactory } from '../objects/oid.js';
import { readDeltaSizes } from './delta.js';
import { parseEntryPrefix, type EntryPrefix } from './entry-prefix.js';
import { STREAM_THRESHOLD, checkNonBlobSize } from './big-objects.js';
import { streamEntry } from './pack-ingest-stream.js';
import { PieceInflater } from './piece-inflater.js';
import { Turns } from './turns.js';
import { inflateEntry, type Inflated } from './inflate.js';
import { ObjectTable } from './object-table.js';
import type { PackInput } from './pack-input.js';
import { PACK_ERROR, badObject, objectTooLarge, truncatedPack } from './pack-errors.js';
import { PACK_HEADER_LENGTH, parsePackHeader, type PackHeader } from './pack-header.js';
import type { ProgressReporter } from './progress.js';
import type { ObjectVisitor } from './object-visitor.js';

/** The longest entry header: size varint, then a REF base id (32 bytes) or an OFS varint. */
const MAX_ENTRY_HEADER = 8 + 32;
/** Growth step while an entry's zlib stream is still incomplete. */
const MIN_INFLATE_REFILL = 64 * 1024;

export interface IngestOptions {
  algo: HashAlgorithm;
  /** Hashes each whole object's id (collision-detecting for SHA-1 unless turned off). */
  hasher: ObjectHasherFactory;
  maxObjectSize?: number;
  progress: ProgressReporter;
  onObject?: ObjectVisitor;
  /**
   * The input ends right after the pack (an HTTP request body): after the
   * trailer, wait for its end to judge trailing bytes. Otherwise (stdio, SSH:
   * the client keeps its end open and waits for the report) nothing is ever
   * waited for beyond the pack; bytes already received after it still count.
   */
  inputEnds?: boolean;
}

export interface IngestResult {
  header: PackHeader;
  table: ObjectTable;
  /** REF_DELTA entries by the hex id of their base. */
  refChildren: Map<string, number[]>;
  /** Where the trailer starts. */
  endOfObjects: number;
  /** The pack's own trailer hash, verified. */
  packHash: Buffer;
}

/**
 * First pass over a streamed pack: checks the header, walks every entry
 * (inflating it to find where it ends and to check its size), records
 * offset, crc32, type and base, hashes whole objects right away, and checks
 * the trailer and that nothing follows it. Deltas are resolved later.
 */
export async function ingestPack(input: PackInput, options: IngestOptions): Promise<IngestResult> {
  const { algo, maxObjectSize, progress } = options;
  const inputEnds = options.inputEnds ?? false;
  const hl = hashLength(algo);
  if (!(await input.fill(PACK_HEADER_LENGTH))) {
    throw new PackError(PACK_ERROR.header, 'eof before pack header was fully read');
  }
  const header = parsePackHeader(input.buf.subarray(input.pos, input.pos + PACK_HEADER_LENGTH));
  const packHasher = createChecksumHasher(algo);
  packHasher.update(input.buf.subarray(input.pos, input.pos + PACK_HEADER_LENGTH));
  input.consume(PACK_HEADER_LENGTH);
  // packHasher covers every byte before input.offset from here on.
  const more = (min: number) => fillWithinPack(input, packHasher, hl, min, inputEnds);

  const table = new ObjectTable(hl, Math.min(header.objectCount, 1 << 16));
  const refChildren = new Map<string, number[]>();
  const turns = new Turns();
  progress.start('receiving', header.objectCount);

  /** Records a located entry, hashes it if it is a whole object, and consumes it. */
  const recordEntry = (entry: LocatedEntry): void => {
    const { offset, headerLength, typeCode, size, baseOffset, inflated } = entry;
    const raw = input.buf.subarray(input.pos, input.pos + headerLength + inflated.consumed);
    packHasher.update(raw);
    const i = table.add(offset, headerLength, typeCode, size, zlib.crc32(raw), baseOffset);
    if (typeCode === PACK_TYPE.refDelta) {
      addRefChild(input.buf.toString('hex', input.pos + headerLength - hl, input.pos + headerLength), i);
    }
    if (typeCode >= PACK_TYPE.ofsDelta) {
      checkDeltaResult(inflated.data, offset);
    } else {
      const type = objectTypeFromCode(typeCode)!;
      const oid = options.hasher().update(objectHeader(type, size)).update(inflated.data).digest();
      table.setOid(i, oid);
      options.onObject?.(oid, type, inflated.data, size);
    }
    input.consume(raw.length);
  };

  const addRefChild = (base: string, i: number): void => {
    const siblings = refChildren.get(base);
    if (siblings) siblings.push(i);
    else refChildren.set(base, [i]);
  };

  /** The result's size is in the delta's first bytes: a limit applies before anything is built. */
  const checkDeltaResult = (deltaHead: Buffer, offset: number): void => {
    const { resultSize } = deltaSizesAt(deltaHead, offset);
    if (maxObjectSize !== undefined && resultSize > maxObjectSize) throw objectTooLarge(offset, resultSize, maxObjectSize);
  };

  /** Records a big entry, read while it streams in. */
  const streamBigEntry = async (prefix: EntryPrefix, offset: number, inflater: PieceInflater): Promise<void> => {
    const { typeCode, size, headerLength, baseOffset } = prefix;
    const refBase =
      typeCode === PACK_TYPE.refDelta ? input.buf.toString('hex', input.pos + headerLength - hl, input.pos + headerLength) : '';
    const entry = await streamEntry(
      input,
      packHasher,
      more,
      { offset, headerLength, typeCode, size },
      options.hasher,
      inflater,
      turns,
    );
    const i = table.add(offset, headerLength, typeCode, size, entry.crc, baseOffset);
    if (refBase) addRefChild(refBase, i);
    if (entry.deltaHead) checkDeltaResult(entry.deltaHead, offset);
    else {
      table.setOid(i, entry.oid!);
      options.onObject?.(entry.oid!, objectTypeFromCode(typeCode)!, null, size);
    }
  };

  for (let n = 0; n < header.objectCount; n++) {
    const offset = input.offset;
    try {
      const prefix = await readPrefix(input, offset, hl, maxObjectSize, more);
      const inflater = isStreamed(prefix) ? PieceInflater.create(prefix.size, offset) : null;
      if (inflater) await streamBigEntry(prefix, offset, inflater);
      else recordEntry(await locateEntry(input, prefix, offset, more));
    } catch (error) {
      throw await explainEntryFailure(error, input, packHasher, offset, hl, n, header.objectCount, more);
    }
    progress.tick(n + 1);
  }

  const endOfObjects = input.offset;
  const packHash = packHasher.copy().digest();
  if (!(await more(hl))) throw truncatedPack(input.offset);
  const trailer = input.buf.subarray(input.pos, input.pos + hl);
  if (!trailer.equals(packHash)) {
    throw (await endsWithOwnHash(input, packHasher, hl, inputEnds))
      ? new PackError(PACK_ERROR.objectCount, `pack has more objects than its header says (${header.objectCount})`, {
          declared: header.objectCount,
        })
      : new PackError(PACK_ERROR.trailer, 'pack is corrupted (SHA1 mismatch)', {
          expected: packHash.toString('hex'),
          actual: trailer.toString('hex'),
        });
  }
  input.consume(hl);
  // Never wait for more after the trailer on a two-way transport (the client waits for the report).
  if (inputEnds ? await input.fill(1) : await input.fillReady(1)) {
    throw new PackError(PACK_ERROR.trailingGarbage, 'pack has junk at the end', { offset: input.offset });
  }
  return { header, table, refChildren, endOfObjects, packHash };
}

function deltaSizesAt(delta: Buffer, offset: number) {
  try {
    return readDeltaSizes(delta);
  } catch (error) {
    if (error instanceof PackError) throw badObject(PACK_ERROR.delta, offset, error.message);
    throw error;
  }
}

interface LocatedEntry {
  offset: number;
  headerLength: number;
  typeCode: number;
  size: number;
  baseOffset: number;
  inflated: Inflated;
}

/**
 * Makes `min` unparsed bytes available like input.fill, but never waits for
 * bytes that a whole pack would not have: once what has arrived ends with the
 * hash of everything before it (the pack's own trailer), the sender has sent
 * all of it, and on a two-way transport it now waits for the report with its
 * end open. False when the input ends, or the pack is whole, first.
 * `packHasher` must cover exactly the bytes before input.offset. Hashing the
 * unparsed bytes costs what the caller's next parse of them costs anyway.
 */
async function fillWithinPack(input: PackInput, packHasher: Hash, hl: number, min: number, inputEnds: boolean): Promise<boolean> {
  if (input.available >= min) return true;
  if (inputEnds) return input.fill(min);
  const start = input.offset;
  let probe: Hash | undefined;
  let probedTo = start;
  for (;;) {
    const end = start + input.available;
    if (end - hl >= start) {
      probe ??= packHasher.copy();
      if (end - hl > probedTo) {
        probe.update(input.buf.subarray(input.pos + (probedTo - start), input.pos + (end - hl - start)));
        probedTo = end - hl;
      }
      if (
        probe
          .copy()
          .digest()
          .equals(input.buf.subarray(input.buf.length - hl))
      )
        return false;
    }
    if (!(await input.fill(input.available + 1))) return false;
    if (input.available >= min) return true;
  }
}

/** Parses the entry header at input.pos, fetching input as needed; consumes nothing. */
async function readPrefix(
  input: PackInput,
  offset: number,
  hl: number,
  maxObjectSize: number | undefined,
  more: (min: number) => Promise<boolean>,
): Promise<EntryPrefix> {
  await more(MAX_ENTRY_HEADER);
  const parsed = parseEntryPrefix(input.buf, input.pos, hl, offset);
  if (!parsed) throw truncatedPack(offset);
  const { typeCode, size } = parsed;
  if (maxObjectSize !== undefined && size > maxObjectSize) throw objectTooLarge(offset, size, maxObjectSize);
  const type = objectTypeFromCode(typeCode);
  if (type) checkNonBlobSize(type, size, offset);
  return parsed;
}

/** Big blobs and big deltas are read in pieces; commits, trees and tags are always held whole (and capped). */
function isStreamed(prefix: EntryPrefix): boolean {
  return prefix.size > STREAM_THRESHOLD && (prefix.typeCode === PACK_TYPE.blob || prefix.typeCode >= PACK_TYPE.ofsDelta);
}

/** Inflates the data of the entry whose header is at input.pos, fetching input as needed; consumes nothing. */
async function locateEntry(
  input: PackInput,
  prefix: EntryPrefix,
  offset: number,
  more: (min: number) => Promise<boolean>,
): Promise<LocatedEntry> {
  const { typeCode, size, headerLength, baseOffset } = prefix;
  for (;;) {
    const dataStart = input.pos + headerLength;
    const inflated = inflateEntry(input.buf.subarray(dataStart), size, offset);
    if (inflated) return { offset, headerLength, typeCode, size, baseOffset, inflated };
    const have = input.available;
    if (!(await more(have + Math.max(have, MIN_INFLATE_REFILL)))) {
      if (input.available === have) throw truncatedPack(offset);
    }
  }
}

/**
 * When entry n of a pack that announced more cannot be read, check whether
 * what is left is exactly a valid trailer: then the header overstated the count.
 */
async function explainEntryFailure(
  error: unknown,
  input: PackInput,
  packHasher: Hash,
  offset: number,
  hl: number,
  found: number,
  declared: number,
  more: (min: number) => Promise<boolean>,
): Promise<unknown> {
  if (!(error instanceof PackError)) return error;
  try {
    if (input.offset !== offset) return error;
    const beyond = await more(hl + 1);
    if (!beyond && input.available === hl && input.buf.subarray(input.pos).equals(packHasher.copy().digest())) {
      return new PackError(PACK_ERROR.objectCount, `pack has fewer objects (${found}) than its header says (${declared})`, {
        declared,
        found,
      });
    }
  } catch {
    // The original error says more than a failure while looking further.
  }
  return error;
}

/**
 * After a trailer mismatch: is the input's last hash the hash of everything
 * before it? Reads to the end only of an input that ends; otherwise what has
 * been received.
 */
async function endsWithOwnHash(input: PackInput, packHasher: Hash, hl: number, inputEnds: boolean): Promise<boolean> {
  const probe = packHasher.copy();
  let tail = Buffer.alloc(0);
  for await (const chunk of input.drain(!inputEnds)) {
    const joined = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
    const keep = Math.min(hl, joined.length);
    probe.update(joined.subarray(0, joined.length - keep));
    tail = Buffer.from(joined.subarray(joined.length - keep));
  }
  return tail.length === hl && tail.equals(probe.digest());
}
