import { unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectReader } from '../../objects/object-reader.js';
import { isZeroOid } from '../../objects/oid.js';
import { describeErrno } from '../../system-errors.js';
import type { RefFailure, RefUpdate, RefUpdateOptions } from '../types.js';
import { fsyncDirectory, isErrno } from '../fs-durable.js';
import { crashPoint } from './crash-points.js';
import { deleteMarker, newJournalId, prepareRecord, removeJournal, writeJournal, type JournalRecord } from './journal.js';
import { acquirePackedRefsLock, packedRefsWithout } from './packed-refs-edit.js';
import { RefLock, pruneEmptyParents } from './ref-lock.js';
import { refMessages } from './ref-messages.js';
import type { RefReader } from './ref-reader.js';
import { checkLockedUpdate } from './ref-update-checks.js';
import { isWritableRefName } from './refname.js';
import { recoverJournal } from './recovery.js';
import type { ReflogWriter } from './reflog.js';

export interface RefTransactionContext {
  gitDir: string;
  reader: RefReader;
  objects: ObjectReader;
  reflog: ReflogWriter;
}

/** An update whose ref name has been resolved through symrefs. */
/** How a transaction writes: its reflog message, and the caller's last step before any value is written. */
export interface WriteOptions {
  message: string | undefined;
  beforeWrite?: RefUpdateOptions['beforeWrite'];
}

interface Resolved {
  update: RefUpdate;
  /** The ref actually written (the symref's target for a symref). */
  name: string;
  isDelete: boolean;
}

async function resolveUpdate(ctx: RefTransactionContext, update: RefUpdate): Promise<Resolved | RefFailure> {
  if (!isWritableRefName(update.name)) return refMessages.badName(update.name);
  const name = await ctx.reader.resolveName(update.name);
  if (name === undefined || !isWritableRefName(name)) return refMessages.missing(update.name);
  return { update, name, isDelete: isZeroOid(update.newOid) };
}

function isFailure(value: unknown): value is RefFailure {
  return typeof value === 'object' && value !== null && 'kind' in value && 'message' in value;
}

/** Lock one ref (for atomic transaction `tx`, if any) and run git's checks on it; on failure nothing is left locked. */
async function lockAndCheck(ctx: RefTransactionContext, item: Resolved, tx?: string): Promise<RefLock | RefFailure> {
  if (!item.isDelete) {
    const conflict = await ctx.reader.findConflict(item.name);
    if (conflict !== undefined) return refMessages.conflict(item.name, conflict);
  }
  const lock = await RefLock.acquire(ctx.gitDir, item.name, item.name, tx);
  if (!(lock instanceof RefLock)) return lock;
  try {
    const failure = await checkLockedUpdate(ctx.reader, ctx.objects, item.name, item.update.oldOid, item.update.newOid);
    if (failure) {
      await releaseLock(ctx, lock);
      return failure;
    }
    return lock;
  } catch (error) {
    await releaseLock(ctx, lock);
    return refMessages.io(item.name, describeErrno(error));
  }
}

async function releaseLock(ctx: RefTransactionContext, lock: RefLock): Promise<void> {
  await lock.release();
  await pruneEmptyParents(ctx.gitDir, lock.name);
}

/** Publish one locked update: rename the lock over the ref, or remove the ref and its lock. */
async function publish(ctx: RefTransactionContext, item: Resolved, lock: RefLock): Promise<void> {
  if (item.isDelete) {
    await unlink(join(ctx.gitDir, item.name)).catch((error) => {
      if (!isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw error;
    });
    await lock.release();
  } else {
    await lock.commit();
  }
}

async function finish(ctx: RefTransactionContext, items: Resolved[], message: string | undefined): Promise<void> {
  const dirs = new Set(items.map((item) => dirname(join(ctx.gitDir, item.name))));
  for (const dir of dirs) await fsyncDirectory(dir).catch(() => undefined);
  for (const item of items) {
    if (item.isDelete) await pruneEmptyParents(ctx.gitDir, item.name);
    await ctx.reflog.record(item.name, item.update.oldOid, item.update.newOid, message).catch(() => undefined);
  }
}

/**
 * Take packed-refs.lock for deletions and stage packed-refs minus `names`
 * (digest set) when any of them is packed. As git does, the lock is taken
 * even when none is packed yet and held until the loose refs are gone: a
 * pack-refs running meanwhile (which holds the same lock) could otherwise
 * pack a ref that this deletion then removes only loose, bringing it back.
 */
async function stagePackedRemoval(
  ctx: RefTransactionContext,
  names: string[],
  tx?: string,
): Promise<{ lock: RefLock; digest?: string } | RefFailure | undefined> {
  if (names.length === 0) return undefined;
  const lock = await acquirePackedRefsLock(ctx.gitDir, names[0]!, tx);
  if (!(lock instanceof RefLock)) return lock;
  try {
    const packed = await ctx.reader.packed.read();
    if (!names.some((name) => packed.refs.has(name))) return { lock };
    const { text, digest } = packedRefsWithout(packed, names);
    await lock.write(text);
    return { lock, digest };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** One update on its own (a non-atomic push applies these one by one, like git 2.39). */
export async function applySingleUpdate(
  ctx: RefTransactionContext,
  update: RefUpdate,
  write: WriteOptions,
): Promise<RefFailure | null> {
  const item = await resolveUpdate(ctx, update);
  if (isFailure(item)) return item;
  const lock = await lockAndCheck(ctx, item);
  if (!(lock instanceof RefLock)) return lock;
  try {
    await write.beforeWrite?.([update]);
  } catch (error) {
    await releaseLock(ctx, lock);
    throw error;
  }
  try {
    if (item.isDelete) {
      const packed = await stagePackedRemoval(ctx, [item.name]);
      if (isFailure(packed)) {
        await releaseLock(ctx, lock);
        return packed;
      }
      try {
        if (packed?.digest !== undefined) await packed.lock.commit();
        await publish(ctx, item, lock);
      } finally {
        if (packed && packed.digest === undefined) await packed.lock.release();
      }
    } else {
      await lock.write(`${update.newOid}\n`);
      await publish(ctx, item, lock);
    }
  } catch (error) {
    await releaseLock(ctx, lock);
    return refMessages.io(item.name, describeErrno(error));
  }
  await finish(ctx, [item], write.message);
  return null;
}

/** Names that cannot be in one transaction: duplicates, or one a directory of the other. */
function batchConflict(items: Resolved[]): { index: number; failure: RefFailure } | undefined {
  const sorted = items
    .map((item, index) => ({ name: item.name, index }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (previous.name === current.name) return { index: current.index, failure: refMessages.duplicate(current.name) };
  }
  for (const a of sorted) {
    for (const b of sorted) {
      if (b.name.startsWith(a.name + '/')) {
        const index = Math.min(a.index, b.index);
        return { index, failure: refMessages.sameTransaction(items[index]!.name, a.name, b.name) };
      }
    }
  }
  return undefined;
}

/**
 * All-or-nothing, also across a crash: journal (prepare) → locks + checks →
 * the caller's beforeWrite → new values into the locks (fsync) → journal (commit) → renames → journal
 * removed. Recovery rolls a committed journal forward and a prepared one back.
 */
export async function applyAtomicUpdates(
  ctx: RefTransactionContext,
  updates: RefUpdate[],
  write: WriteOptions,
): Promise<(RefFailure | null)[]> {
  const abortedExcept = (index: number, failure: RefFailure) =>
    updates.map((_, i) => (i === index ? failure : refMessages.aborted()));
  const items: Resolved[] = [];
  for (const [index, update] of updates.entries()) {
    const item = await resolveUpdate(ctx, update);
    if (isFailure(item)) return abortedExcept(index, item);
    items.push(item);
  }
  const clash = batchConflict(items);
  if (clash) return abortedExcept(clash.index, clash.failure);

  const id = newJournalId();
  const journalUpdates = items.map((item) => ({ name: item.name, oldOid: item.update.oldOid, newOid: item.update.newOid }));
  const deletions = items.filter((item) => item.isDelete).map((item) => item.name);
  await writeJournal(ctx.gitDir, prepareRecord(id, journalUpdates, deletions.length > 0));
  crashPoint('after-prepare');

  const locks: RefLock[] = [];
  let packedLock: RefLock | undefined;
  const rollback = async (index: number, failure: RefFailure) => {
    for (const lock of locks) await releaseLock(ctx, lock);
    if (packedLock) await packedLock.release();
    await removeJournal(ctx.gitDir, id);
    return abortedExcept(index, failure);
  };

  let commitRecord: JournalRecord;
  let packedDigest: string | undefined;
  try {
    for (const [index, item] of items.entries()) {
      const lock = await lockAndCheck(ctx, item, id);
      if (!(lock instanceof RefLock)) return await rollback(index, lock);
      locks.push(lock);
    }
    const packed = await stagePackedRemoval(ctx, deletions, id);
    if (isFailure(packed)) {
      const index = items.findIndex((item) => item.isDelete);
      return await rollback(index, packed);
    }
    packedLock = packed?.lock;
    packedDigest = packed?.digest;
  } catch (error) {
    return await rollback(0, refMessages.io(items[0]!.name, describeErrno(error)));
  }
  try {
    await write.beforeWrite?.(updates);
  } catch (error) {
    await rollback(0, refMessages.aborted());
    throw error;
  }
  try {
    for (const [index, item] of items.entries()) {
      await locks[index]!.write(item.isDelete ? deleteMarker(id) : `${item.update.newOid}\n`);
    }
    crashPoint('after-locks');
    commitRecord = { ...prepareRecord(id, journalUpdates, deletions.length > 0), state: 'commit' };
    if (packedDigest !== undefined) commitRecord.packedRefsDigest = packedDigest;
    await writeJournal(ctx.gitDir, commitRecord);
  } catch (error) {
    return await rollback(0, refMessages.io(items[0]!.name, describeErrno(error)));
  }
  crashPoint('after-commit');

  try {
    if (packedLock && packedDigest !== undefined) await packedLock.commit();
    for (const [index, item] of items.entries()) {
      await publish(ctx, item, locks[index]!);
      if (index === 0) crashPoint('after-first-apply');
    }
  } catch {
    // Committed: finish the way recovery would, from the journal.
    await recoverJournal(ctx.gitDir, commitRecord);
  } finally {
    // Held only to keep pack-refs out while the loose refs went (nothing packed to remove).
    if (packedLock && packedDigest === undefined) await packedLock.release().catch(() => undefined);
  }
  await finish(ctx, items, write.message);
  await removeJournal(ctx.gitDir, id);
  return updates.map(() => null);
}
