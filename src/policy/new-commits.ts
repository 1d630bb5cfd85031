import type { CommitInfo, HistoryReader } from './history-reader.js';

/**
 * The commits a ref update brings: reachable from the new tip and new to the
 * repository. `isNew` says whether a commit arrived with the push (is in the
 * quarantine); the walk stops at the first commit that did not, so it costs
 * what the push brought, not the history below it. Newest first, by
 * discovery order.
 */
export async function collectNewCommits(
  history: HistoryReader,
  isNew: (oid: string) => Promise<boolean>,
  tip: string,
): Promise<CommitInfo[]> {
  const peeled = await history.peel(tip);
  if (peeled?.type !== 'commit' || !(await isNew(peeled.oid))) return [];
  const result: CommitInfo[] = [];
  const seen = new Set<string>([peeled.oid]);
  const stack = [peeled.oid];
  while (stack.length > 0) {
    const commit = await history.commit(stack.pop()!);
    if (!commit) continue;
    result.push(commit);
    for (const parent of commit.parents) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      if (await isNew(parent)) stack.push(parent);
    }
  }
  return result;
}
