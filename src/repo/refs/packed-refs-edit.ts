import { createHash } from 'node:crypto';
import type { RefFailure } from '../types.js';
import { formatPackedRefs, type PackedRefs } from './packed-refs.js';
import { RefLock } from './ref-lock.js';
import { refMessages } from './ref-messages.js';

// git's core.packedRefsTimeout default: keep retrying the packed-refs lock this long.
const PACKED_REFS_LOCK_TIMEOUT_MS = 1000;

/** Take packed-refs.lock (for atomic transaction `tx`, if any), retrying for a second as git does; the failure names `refName`. */
export async function acquirePackedRefsLock(gitDir: string, refName: string, tx?: string): Promise<RefLock | RefFailure> {
  const deadline = Date.now() + PACKED_REFS_LOCK_TIMEOUT_MS;
  let delay = 1;
  for (;;) {
    const result = await RefLock.acquire(gitDir, 'packed-refs', refName, tx);
    if (result instanceof RefLock || result.kind !== 'lock' || Date.now() >= deadline) {
      if (!(result instanceof RefLock) && result.kind === 'lock') {
        return refMessages.lockExists(refName, RefLock.displayPath(gitDir, 'packed-refs'));
      }
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 50);
  }
}

/** packed-refs without `names`, and the digest the journal records for it. */
export function packedRefsWithout(packed: PackedRefs, names: Iterable<string>): { text: string; digest: string } {
  const refs = new Map(packed.refs);
  for (const name of names) refs.delete(name);
  const text = formatPackedRefs({ traits: packed.traits, refs });
  return { text, digest: createHash('sha256').update(text).digest('hex') };
}
