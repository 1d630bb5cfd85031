import { createHash } from 'node:crypto';
import { readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isZeroOid } from '../../objects/oid.js';
import { fsyncDirectory, isErrno } from '../fs-durable.js';
import { JOURNAL_PREFIX, deleteMarker, journalWrittenAt, parseJournal, removeJournal, type JournalRecord } from './journal.js';
import { isProcessAlive } from './process-identity.js';
import { pruneEmptyParents } from './ref-lock.js';

async function readLock(path: string): Promise<{ content: string; mtimeNs: bigint } | undefined> {
  try {
    const [content, info] = await Promise.all([readFile(path, 'utf8'), stat(path, { bigint: true })]);
    return { content, mtimeNs: info.mtimeNs };
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

function expectedLockContent(record: JournalRecord, newOid: string): string {
  return isZeroOid(newOid) ? deleteMarker(record.id) : `${newOid}\n`;
}

/**
 * Finish or undo the transaction of a journal whose owner is gone.
 * Committed: every lock that still holds what the transaction put there is
 * published (renamed over its ref, or the ref deleted), packed-refs.lock
 * installed if it holds the recorded content. Prepared: the locks the
 * transaction took (created after the journal, holding nothing or its
 * values) are removed. Then the journal goes. Safe to repeat.
 */
export async function recoverJournal(gitDir: string, record: JournalRecord, preparedAt: bigint | undefined): Promise<void> {
  const touched = new Set<string>([gitDir]);
  if (record.state === 'commit') {
    const packedLockPath = join(gitDir, 'packed-refs.lock');
    const packed = record.packedRefsDigest ? await readLock(packedLockPath) : undefined;
    if (packed && createHash('sha256').update(packed.content).digest('hex') === record.packedRefsDigest) {
      await rename(packedLockPath, join(gitDir, 'packed-refs')).catch(ignoreMissing);
    }
    for (const update of record.updates) {
      const refPath = join(gitDir, update.name);
      const lock = await readLock(`${refPath}.lock`);
      if (!lock || lock.content !== expectedLockContent(record, update.newOid)) continue;
      if (isZeroOid(update.newOid)) {
        await unlink(refPath).catch(ignoreMissing);
        await unlink(`${refPath}.lock`).catch(ignoreMissing);
        await pruneEmptyParents(gitDir, update.name);
      } else {
        await rename(`${refPath}.lock`, refPath).catch(ignoreMissing);
      }
      touched.add(dirname(refPath));
    }
  } else {
    const ours = (lock: { content: string; mtimeNs: bigint }, expected: string) =>
      (preparedAt === undefined || lock.mtimeNs >= preparedAt) && (lock.content === '' || lock.content === expected);
    for (const update of record.updates) {
      const lockPath = join(gitDir, `${update.name}.lock`);
      const lock = await readLock(lockPath);
      if (lock && ours(lock, expectedLockContent(record, update.newOid))) {
        await unlink(lockPath).catch(ignoreMissing);
        await pruneEmptyParents(gitDir, update.name);
      }
    }
    if (record.packedRefs) {
      const lockPath = join(gitDir, 'packed-refs.lock');
      const lock = await readLock(lockPath);
      if (lock && (preparedAt === undefined || lock.mtimeNs >= preparedAt)) await unlink(lockPath).catch(ignoreMissing);
    }
  }
  for (const dir of touched) await fsyncDirectory(dir).catch(() => undefined);
  await removeJournal(gitDir, record.id);
}

function ignoreMissing(error: unknown): void {
  if (!isErrno(error, 'ENOENT')) throw error;
}

/**
 * Look for journals left by processes that died mid-transaction and settle
 * them. Journals of live processes (including this one) are left alone.
 * Cheap when there are none: one readdir of the git dir.
 */
export async function recoverRefJournals(gitDir: string): Promise<void> {
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
    await recoverJournal(gitDir, record, await journalWrittenAt(gitDir, id));
  }
}
