import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as zlibConstants, deflateSync, inflateSync } from 'node:zlib';
import { ObjectError } from '../errors.js';
import { isObjectType, type GitObject, type ObjectType } from '../objects/object-type.js';
import { hashObject, objectHeader, oidHexLength, type HashAlgorithm } from '../objects/oid.js';
import { fsyncDirectory, isErrno } from './fs-durable.js';
import { OBJECT_ERROR } from '../objects/object-errors.js';
import { FileWindow, STREAM_THRESHOLD, SpillFile, Turns, inflateStoredPieces } from '../pack/index.js';

// Enough compressed bytes to hold any object header, even behind a dynamic Huffman table.
const HEADER_PROBE_BYTES = 1024;

/** Loose objects of one objects directory: zlib("<type> <size>\0<data>") at xx/yyyy…. */
export class LooseObjectStore {
  constructor(
    readonly objectsDir: string,
    readonly algo: HashAlgorithm,
  ) {}

  pathOf(oid: string): string {
    return join(this.objectsDir, oid.slice(0, 2), oid.slice(2));
  }

  async has(oid: string): Promise<boolean> {
    try {
      await stat(this.pathOf(oid));
      return true;
    } catch {
      return false;
    }
  }

  async read(oid: string): Promise<GitObject | null> {
    let compressed: Buffer;
    try {
      compressed = await readFile(this.pathOf(oid));
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return null;
      throw error;
    }
    let inflated: Buffer;
    try {
      inflated = inflateSync(compressed);
    } catch {
      throw new ObjectError(OBJECT_ERROR.corruptObject, `loose object ${oid} (stored in ${this.pathOf(oid)}) is corrupt`);
    }
    const { type, size, headerLength } = this.parseHeader(oid, inflated);
    const data = inflated.subarray(headerLength);
    if (data.length !== size) {
      throw new ObjectError(OBJECT_ERROR.corruptObject, `loose object ${oid} (stored in ${this.pathOf(oid)}) is corrupt`);
    }
    return { type, data };
  }

  /**
   * The object without holding it whole when it is big: inflated in pieces
   * into a spill file in `spillDir` (which the caller closes), else read().
   */
  async readLarge(oid: string, spillDir: string): Promise<{ type: ObjectType; content: Buffer | SpillFile } | null> {
    const info = await this.info(oid);
    if (!info) return null;
    if (info.size <= STREAM_THRESHOLD) {
      const object = await this.read(oid);
      return object && { type: object.type, content: object.data };
    }
    const fd = fs.openSync(this.pathOf(oid), 'r');
    const spill = SpillFile.create(spillDir);
    try {
      const headerLength = objectHeader(info.type, info.size).length;
      const total = headerLength + info.size;
      let at = 0;
      const pieces = inflateStoredPieces(new FileWindow(fd), 0, fs.fstatSync(fd).size, total, 0, new Turns());
      for await (const piece of pieces) {
        // The first bytes are the "<type> <size>\0" header that info() already read.
        const skip = Math.max(0, Math.min(piece.length, headerLength - at));
        if (skip < piece.length) spill.append(piece.subarray(skip));
        at += piece.length;
      }
      return { type: info.type, content: spill };
    } catch {
      spill.close();
      throw new ObjectError(OBJECT_ERROR.corruptObject, `loose object ${oid} (stored in ${this.pathOf(oid)}) is corrupt`);
    } finally {
      fs.closeSync(fd);
    }
  }

  async info(oid: string): Promise<{ type: ObjectType; size: number } | null> {
    let handle;
    try {
      handle = await open(this.pathOf(oid), 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return null;
      throw error;
    }
    let probe: Buffer;
    try {
      const buffer = Buffer.alloc(HEADER_PROBE_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      probe = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    let start: Buffer;
    try {
      start = inflateSync(probe, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      throw new ObjectError(OBJECT_ERROR.corruptObject, `loose object ${oid} (stored in ${this.pathOf(oid)}) is corrupt`);
    }
    if (start.indexOf(0) < 0) {
      const whole = await this.read(oid);
      return whole && { type: whole.type, size: whole.data.length };
    }
    const { type, size } = this.parseHeader(oid, start);
    return { type, size };
  }

  private parseHeader(oid: string, inflated: Buffer): { type: ObjectType; size: number; headerLength: number } {
    const nul = inflated.indexOf(0);
    const header = nul < 0 ? '' : inflated.toString('latin1', 0, nul);
    const match = /^([a-z]+) (0|[1-9][0-9]*)$/.exec(header);
    if (!match || !isObjectType(match[1]!)) {
      throw new ObjectError(OBJECT_ERROR.corruptObject, `unable to parse header of loose object ${oid}`);
    }
    return { type: match[1] as ObjectType, size: Number(match[2]), headerLength: nul + 1 };
  }

  /** Write durably (temp file, fsync, rename, fsync dir); existing objects are left alone. */
  async write(object: GitObject): Promise<string> {
    const oid = hashObject(this.algo, object.type, object.data);
    if (await this.has(oid)) return oid;
    const shard = join(this.objectsDir, oid.slice(0, 2));
    let createdShard = false;
    try {
      await mkdir(shard);
      createdShard = true;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    const compressed = deflateSync(Buffer.concat([objectHeader(object.type, object.data.length), object.data]), { level: 1 });
    const temp = join(shard, `tmp_obj_${randomBytes(6).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o444);
    try {
      await handle.writeFile(compressed);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, this.pathOf(oid));
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await fsyncDirectory(shard);
    if (createdShard) await fsyncDirectory(this.objectsDir);
    return oid;
  }

  /** Every loose object id (scans the 256 shard directories). */
  async *oids(): AsyncGenerator<string> {
    const tailLength = oidHexLength(this.algo) - 2;
    let shards: string[];
    try {
      shards = await readdir(this.objectsDir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const shard of shards.filter((name) => /^[0-9a-f]{2}$/.test(name)).sort()) {
      let names: string[];
      try {
        names = await readdir(join(this.objectsDir, shard));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (name.length === tailLength && /^[0-9a-f]+$/.test(name)) yield shard + name;
      }
    }
  }
}
