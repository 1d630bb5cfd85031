import { entryKind, type TreeEntry } from '../objects/tree.js';
import type { HistoryReader } from './history-reader.js';

/** A file a commit adds or modifies (its content at that path differs from every parent's). */
export interface ChangedFile {
  path: string;
  oid: string;
  mode: number;
  /** `commit` for a submodule (gitlink) entry. */
  kind: 'blob' | 'commit';
}

/**
 * The files a commit adds or modifies, compared with all of its parents
 * (git's combined-diff view of a merge: content taken unchanged from any
 * parent is not a change of the merge). Only subtrees whose id differs from
 * every parent's at the same path are read, so the cost follows what
 * changed, not the size of the tree. Deletions are not reported: removing a
 * file breaks no path or size rule.
 */
export async function changedFiles(history: HistoryReader, tree: string, parentTrees: readonly string[]): Promise<ChangedFile[]> {
  const changes: ChangedFile[] = [];
  await diffTree(history, tree, parentTrees, '', changes);
  return changes;
}

async function diffTree(
  history: HistoryReader,
  tree: string,
  parents: readonly string[],
  prefix: string,
  out: ChangedFile[],
): Promise<void> {
  if (parents.includes(tree)) return;
  const entries = await history.tree(tree);
  if (!entries) return;
  const parentEntries: Map<string, TreeEntry>[] = [];
  for (const parent of parents) parentEntries.push(byName((await history.tree(parent)) ?? []));

  for (const entry of entries) {
    const kind = entryKind(entry.mode);
    if (!kind) continue;
    const before = parentEntries.map((p) => p.get(entry.name)).filter((e): e is TreeEntry => e !== undefined);
    if (before.some((e) => e.oid === entry.oid && e.mode === entry.mode)) continue;
    const path = prefix + entry.name;
    if (kind === 'tree') {
      const parentSubtrees = before.filter((e) => entryKind(e.mode) === 'tree').map((e) => e.oid);
      await diffTree(history, entry.oid, parentSubtrees, `${path}/`, out);
    } else {
      out.push({ path, oid: entry.oid, mode: entry.mode, kind });
    }
  }
}

function byName(entries: readonly TreeEntry[]): Map<string, TreeEntry> {
  return new Map(entries.map((e) => [e.name, e]));
}
