import type { ObjectReader } from '../../objects/object-reader.js';
import { isZeroOid } from '../../objects/oid.js';
import type { RefFailure } from '../types.js';
import type { RefReader } from './ref-reader.js';
import { refMessages } from './ref-messages.js';

/** Branches (and HEAD) may only point at commits. */
export function isBranchName(name: string): boolean {
  return name === 'HEAD' || name.startsWith('refs/heads/');
}

/**
 * What git checks once it holds a ref's lock: the compare-and-swap on the
 * old value, then that the new object exists and suits the ref.
 */
export async function checkLockedUpdate(
  reader: RefReader,
  objects: ObjectReader,
  name: string,
  oldOid: string,
  newOid: string,
): Promise<RefFailure | null> {
  const raw = await reader.readRaw(name);
  const current = raw?.kind === 'oid' ? raw.oid : null;
  if (isZeroOid(oldOid)) {
    if (current !== null) return refMessages.exists(name);
  } else if (current === null) {
    return refMessages.missing(name);
  } else if (current !== oldOid) {
    return refMessages.stale(name, current, oldOid);
  }
  if (isZeroOid(newOid)) return null;
  const info = await objects.info(newOid);
  if (!info) return refMessages.missingObject(name, newOid);
  if (isBranchName(name) && info.type !== 'commit') return refMessages.nonCommit(name, newOid);
  return null;
}
