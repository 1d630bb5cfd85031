import { createHash, type Hash } from 'node:crypto';
import type { ObjectType } from './object-type.js';

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

/**
 * The single place where object hashing is created, so that a collision-
 * detecting SHA-1 can later replace it without touching callers.
 */
export function createObjectHasher(algo: HashAlgorithm): Hash {
  return createHash(algo);
}

/** The object header git hashes before the content: "<type> <size>\0". */
export function objectHeader(type: ObjectType, size: number): Buffer {
  return Buffer.from(`${type} ${size}\0`, 'latin1');
}

/** Object id of a whole object held in memory. */
export function hashObject(algo: HashAlgorithm, type: ObjectType, data: Buffer): string {
  return createObjectHasher(algo).update(objectHeader(type, data.length)).update(data).digest('hex');
}
