import { DateQueue } from '../repo/date-queue.js';
import type { CommitInfo, HistoryReader } from './history-reader.js';

const FROM_NEW = 1;
const FROM_OLD = 2;
const BOTH = FROM_NEW | FROM_OLD;

/**
 * Whether moving a ref from `oldOid` to `newOid` fast-forwards: old (peeled)
 * is new (peeled) or one of its ancestors. Both sides are walked together,
 * newest first (git's paint-down-to-common): once every commit still queued
 * is reachable from both, old cannot be below new. So a refused force push
 * costs about the commits since the two histories parted, not the whole
 * history below them, as a one-sided walk would.
 */
export async function isFastForward(history: HistoryReader, oldOid: string, newOid: string): Promise<boolean> {
  const [oldPeeled, newPeeled] = await Promise.all([history.peel(oldOid), history.peel(newOid)]);
  if (oldPeeled?.type !== 'commit' || newPeeled?.type !== 'commit') return false;
  if (oldPeeled.oid === newPeeled.oid) return true;
  const [oldCommit, newCommit] = await Promise.all([history.commit(oldPeeled.oid), history.commit(newPeeled.oid)]);
  if (!oldCommit || !newCommit) return false;

  const flags = new Map<string, number>([
    [newCommit.oid, FROM_NEW],
    [oldCommit.oid, FROM_OLD],
  ]);
  const queued = new Set<string>([newCommit.oid, oldCommit.oid]);
  const queue = new DateQueue<CommitInfo>();
  queue.push(newCommit);
  queue.push(oldCommit);
  // Queued commits not yet reachable from both sides; the walk ends when none is left.
  let live = 2;

  for (let commit = queue.pop(); commit && live > 0; commit = queue.pop()) {
    queued.delete(commit.oid);
    const flag = flags.get(commit.oid)!;
    // A commit reachable from both passes that on, so that its ancestors stop counting as live.
    if (flag !== BOTH) live--;
    for (const parent of commit.parents) {
      const before = flags.get(parent) ?? 0;
      const after = before | flag;
      if (parent === oldCommit.oid && after & FROM_NEW) return true;
      if (after === before) continue;
      flags.set(parent, after);
      if (queued.has(parent)) {
        if (after === BOTH) live--;
        continue;
      }
      const info = await history.commit(parent);
      if (!info) continue; // missing (shallow history): nothing to walk below it
      queued.add(parent);
      queue.push(info);
      if (after !== BOTH) live++;
    }
  }
  return false;
}
