import { createHash } from 'node:crypto';
import { readFile, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isZeroOid } from '../../objects/oid.js';
import { fsyncDirectory, isErrno } from '../fs-durable.js';
import { JOURNAL_PREFIX, deleteMarker, parseJournal, readJournal, removeJournal, type JournalRecord } from './journal.js';
import {
  type OwnedLock,
  STALE_LOCK_GRACE_MS,
  pruneEmptyParents,
  sweepStaleLocks,
  takeOverTransactionLock,
} from './lock-owner.js';
import { isProcessAlive } from './process-identity.js';

function expectedLockContent(record: JournalRecord, newOid: string): string {
  return isZeroOid(newOid) ? deleteMarker(record.id) : `${newOid}\n`;
}

/**
 * Finish or undo the transaction of a journal whose owner is gone (or, from
 * its owner, one whose renames failed). Its locks are known by their owner
 * links, which name the transaction, and are taken over before anything is
 * done with them, so a lock someone else holds is never touched.
 * Committed: packed-refs.lock is installed if it holds the recorded content,
 * and every lock is published (renamed over its ref, or the ref deleted).
 * Prepared: the transaction's locks are removed. Then the journal goes.
 * Safe to repeat, and to run in two processes at once.
 */
export async function recoverJournal(gitDir: string, record: JournalRecord): Promise<void> {
  // Take every lock of the transaction first: if another live process is
  // recovering it already, leave the whole journal to that one.
  const names = record.updates.map((update) => update.name);
  if (record.packedRefs) names.push('packed-refs');
  const locks = new Map<string, OwnedLock>();
  for (const name of names) {
    const lock = await takeOverTransactionLock(gitDir, name, record.id);
    if (lock === 'busy') return;
    if (lock) locks.set(name, lock);
  }
  const touched = new Set<string>([gitDir]);
  const packed = locks.get('packed-refs');
  if (record.state === 'commit') {
    if (packed) {
      const content = await packed.read().catch(() => undefined);
      const matches = content !== undefined && createHash('sha256').update(content).digest('hex') === record.packedRefsDigest;
      await (matches ? packed.commit() : packed.release());
    }
    for (const update of record.updates) {
      const lock = locks.get(update.name);
      if (!lock) continue; // published already
      const refPath = join(gitDir, update.name);
      const content = await lock.read().catch(() => undefined);
      if (content !== expectedLockContent(record, update.newOid)) {
        // Cannot happen (values are fsynced before the commit record): do not publish what the journal did not say.
        await lock.release();
      } else if (isZeroOid(update.newOid)) {
        await unlink(refPath).catch((error) => {
          if (!isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw error;
        });
        await lock.release();
        await pruneEmptyParents(gitDir, update.name);
      } else {
        await lock.commit();
      }
      touched.add(dirname(refPath));
    }
  } else {
    for (const update of record.updates) {
      const lock = locks.get(update.name);
      if (!lock) continue;
      await lock.release();
      await pruneEmptyParents(gitDir, update.name);
    }
    if (packed) await packed.release();
  }
  for (const dir of touched) await fsyncDirectory(dir).catch(() => undefined);
  await removeJournal(gitDir, record.id);
}

/**
 * Recovery of one repository runs one at a time in a process (a server
 * serves many pushes at once): two recoveries of the same journal in one
 * process would both see themselves as the owner of its locks.
 */
const running = new Map<string, Promise<void>>();

function serialized(gitDir: string, work: () => Promise<void>): Promise<void> {
  const previous = running.get(gitDir) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  const tail = next.catch(() => undefined);
  running.set(gitDir, tail);
  void tail.then(() => {
    if (running.get(gitDir) === tail) running.delete(gitDir);
  });
  return next;
}

/** Recover journal `id` if it is still there and its owner is gone (a lock of it was found ownerless). */
export function settleJournal(gitDir: string, id: string): Promise<void> {
  return serialized(gitDir, async () => {
    const record = await readJournal(gitDir, id);
    if (record && !isProcessAlive(record.owner)) await recoverJournal(gitDir, record);
  });
}

/**
 * Look for journals left by processes that died mid-transaction and settle
 * them, then clear the locks dead processes left outside any journal
 * (lock-owner.ts). Journals of live processes (including this one) are left
 * alone. Cheap when there are none: one readdir of the git dir and one of
 * pushgate-locks/.
 */
export function recoverRefJournals(gitDir: string): Promise<void> {
  return serialized(gitDir, () => recoverDeadJournals(gitDir));
}

async function recoverDeadJournals(gitDir: string): Promise<void> {
  const names = (await readdir(gitDir)).filter((name) => name.startsWith(JOURNAL_PREFIX));
  for (const name of names) {
    const path = join(gitDir, name);
    if (name.endsWith('.tmp')) {
      // A journal being (re)written; its owner line tells whether anyone still is.
      const text = await readFile(path, 'utf8').catch(() => '');
      const owner = /^owner (\S+) (\d+) (\S+)$/m.exec(text);
      if (owner && isProcessAlive({ host: owner[1]!, pid: Number(owner[2]), started: owner[3]! })) continue;
      if (!owner && Date.now() - (await stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs < 60_000) continue;
      await unlink(path).catch(() => undefined);
      continue;
    }
    const id = name.slice(JOURNAL_PREFIX.length);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const record = parseJournal(id, text);
    if (!record) continue; // never produced by our writer (always renamed whole); leave it for a human
    if (isProcessAlive(record.owner)) continue;
    await recoverJournal(gitDir, record);
  }
  await sweepStaleLocks(gitDir, STALE_LOCK_GRACE_MS);
}
