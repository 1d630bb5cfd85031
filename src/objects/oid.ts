import { createHash, type Hash } from 'node:crypto';
import { ObjectError } from '../errors.js';
import { OBJECT_ERROR } from './object-errors.js';
import type { ObjectType } from './object-type.js';
import { Sha1dc } from './sha1dc.js';

export type HashAlgorithm = 'sha1' | 'sha256';

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha1', 'sha256'];

/** Raw digest length in bytes. */
export function hashLength(algo: HashAlgorithm): number {
  return algo === 'sha1' ? 20 : 32;
}

/** Hex length of an object id. */
export function oidHexLength(algo: HashAlgorithm): number {
  return hashLength(algo) * 2;
}

export function zeroOid(algo: HashAlgorithm): string {
  return '0'.repeat(oidHexLength(algo));
}

export function isZeroOid(oid: string): boolean {
  return /^0+$/.test(oid);
}

export function isOid(value: string, algo: HashAlgorithm): boolean {
  return value.length === oidHexLength(algo) && /^[0-9a-f]+$/.test(value);
}

/** What computes an object id: node's Hash and the collision-detecting SHA-1 alike. */
export interface ObjectHasher {
  update(data: Uint8Array): ObjectHasher;
  digest(): Buffer;
  digest(encoding: 'hex'): string;
}

/** Makes one hasher per object id (the indexer takes one, so tests can inject a hasher). */
export type ObjectHasherFactory = () => ObjectHasher;

export interface ObjectHashOptions {
  /**
   * SHA-1 with collision detection (sha1dc), as git does: on by default.
   * Off only for trusted imports (`pushgate.sha1CollisionDetection=false`).
   */
  detectCollisions?: boolean;
}

/**
 * The single place where object ids are hashed. SHA-1 ids are checked for
 * collision attacks (digest() throws git's error); SHA-256 needs no check.
 */
export function createObjectHasher(algo: HashAlgorithm, options: ObjectHashOptions = {}): ObjectHasher {
  if (algo === 'sha1' && options.detectCollisions !== false) return new CollisionCheckedSha1();
  return createHash(algo);
}

export function objectHasherFactory(algo: HashAlgorithm, options: ObjectHashOptions = {}): ObjectHasherFactory {
  return () => createObjectHasher(algo, options);
}

/**
 * Pack and index trailers: checksums over bytes already named by their
 * objects' ids, not ids themselves; like git (2.47's "unsafe" SHA-1 for
 * them), plain and fast.
 */
export function createChecksumHasher(algo: HashAlgorithm): Hash {
  return createHash(algo);
}

/** git's refusal of an object whose SHA-1 shows a collision attack (index-pack's wording). */
export function collisionError(oid: string): ObjectError {
  return new ObjectError(OBJECT_ERROR.sha1Collision, `SHA-1 appears to be part of a collision attack: ${oid}`, { oid });
}

/**
 * Test hook (like PUSHGATE_TEST_REF_CRASH): object ids, comma-separated, that
 * the SHA-1 hasher reports as collisions, so that real clients can be shown
 * the refusal over every transport. Read once, at the first digest. Unset in
 * normal operation.
 */
let reportedCollisions: Set<string> | undefined;

function reportedAsCollision(digest: Buffer): boolean {
  reportedCollisions ??= new Set((process.env.PUSHGATE_TEST_SHA1_COLLISION ?? '').split(',').filter(Boolean));
  return reportedCollisions.size > 0 && reportedCollisions.has(digest.toString('hex'));
}

class CollisionCheckedSha1 implements ObjectHasher {
  private readonly hash = new Sha1dc();

  update(data: Uint8Array): this {
    this.hash.update(data);
    return this;
  }

  digest(): Buffer;
  digest(encoding: 'hex'): string;
  digest(encoding?: 'hex'): Buffer | string {
    const { digest, collision } = this.hash.finish();
    if (collision || reportedAsCollision(digest)) {
      throw collisionError(digest.toString('hex'));
    }
    return encoding === 'hex' ? digest.toString('hex') : digest;
  }
}

/** The object header git hashes before the content: "<type> <size>\0". */
export function objectHeader(type: ObjectType, size: number): Buffer {
  return Buffer.from(`${type} ${size}\0`, 'latin1');
}

/** Object id of a whole object held in memory. */
export function hashObject(algo: HashAlgorithm, type: ObjectType, data: Buffer, options?: ObjectHashOptions): string {
  return createObjectHasher(algo, options).update(objectHeader(type, data.length)).update(data).digest('hex');
}
