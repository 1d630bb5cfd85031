import zlib from 'node:zlib';
import { createChecksumHasher, hashLength, hashObject, type HashAlgorithm } from '../../src/objects/oid.js';
import { PACK_TYPE, type ObjectType } from '../../src/objects/object-type.js';
import { encodeEntryHeader, encodeOfsDistance } from '../../src/pack/entry-header.js';

/** Entry-level overrides for building broken packs. */
export interface EntryOptions {
  /** Size to put in the header instead of the real one. */
  declaredSize?: number;
  /** Bytes to use instead of deflate(data). */
  compressed?: Buffer;
}

/**
 * Hand-made packs for the corrupt cases: every piece is explicit, nothing is
 * checked. Entry methods return the entry's offset.
 */
export class PackBuilder {
  private readonly parts: Buffer[] = [];
  private length = 0;

  constructor(readonly algo: HashAlgorithm = 'sha1') {}

  get offset(): number {
    return this.length;
  }

  header(count: number, version = 2, signature = 'PACK'): this {
    const bytes = Buffer.alloc(12);
    bytes.write(signature, 0, 'latin1');
    bytes.writeUInt32BE(version, 4);
    bytes.writeUInt32BE(count, 8);
    return this.raw(bytes);
  }

  object(type: ObjectType | number, data: Buffer | string, options: EntryOptions = {}): number {
    const code = typeof type === 'number' ? type : PACK_TYPE[type];
    return this.entry(encodeEntryHeader(code, options.declaredSize ?? Buffer.byteLength(data)), Buffer.from(data), options);
  }

  ofsDelta(baseOffset: number, delta: Buffer, options: EntryOptions = {}): number {
    const at = this.length;
    const head = Buffer.concat([
      encodeEntryHeader(PACK_TYPE.ofsDelta, options.declaredSize ?? delta.length),
      encodeOfsDistance(at - baseOffset),
    ]);
    return this.entry(head, delta, options);
  }

  refDelta(baseOid: string, delta: Buffer, options: EntryOptions = {}): number {
    const head = Buffer.concat([
      encodeEntryHeader(PACK_TYPE.refDelta, options.declaredSize ?? delta.length),
      Buffer.from(baseOid, 'hex'),
    ]);
    return this.entry(head, delta, options);
  }

  raw(bytes: Buffer | string): this {
    const buf = Buffer.from(bytes);
    this.parts.push(buf);
    this.length += buf.length;
    return this;
  }

  /** Appends the trailer: the hash of everything so far. */
  digest(): this {
    return this.raw(createChecksumHasher(this.algo).update(this.build()).digest());
  }

  build(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }

  oid(type: ObjectType, data: Buffer | string): string {
    return hashObject(this.algo, type, Buffer.from(data));
  }

  get hashLength(): number {
    return hashLength(this.algo);
  }

  private entry(head: Buffer, data: Buffer, options: EntryOptions): number {
    const at = this.length;
    this.raw(Buffer.concat([head, options.compressed ?? zlib.deflateSync(data)]));
    return at;
  }
}

export type DeltaOp = { copy: [offset: number, size: number] } | { insert: Buffer | string };

function sizeVarint(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

/** A git delta from explicit ops; sizes default to what the ops produce. */
export function makeDelta(baseSize: number, ops: DeltaOp[], resultSize?: number): Buffer {
  const body: number[] = [];
  let produced = 0;
  for (const op of ops) {
    if ('copy' in op) {
      const [offset, size] = op.copy;
      let cmd = 0x80;
      const args: number[] = [];
      for (let b = 0; b < 4; b++) {
        const byte = (offset >>> (8 * b)) & 0xff;
        if (byte) {
          cmd |= 1 << b;
          args.push(byte);
        }
      }
      const encodedSize = size === 0x10000 ? 0 : size;
      for (let b = 0; b < 3; b++) {
        const byte = (encodedSize >>> (8 * b)) & 0xff;
        if (byte) {
          cmd |= 0x10 << b;
          args.push(byte);
        }
      }
      body.push(cmd, ...args);
      produced += size;
    } else {
      const bytes = Buffer.from(op.insert);
      for (let at = 0; at < bytes.length; at += 127) {
        const piece = bytes.subarray(at, at + 127);
        body.push(piece.length, ...piece);
      }
      produced += bytes.length;
    }
  }
  return Buffer.from([...sizeVarint(baseSize), ...sizeVarint(resultSize ?? produced), ...body]);
}
