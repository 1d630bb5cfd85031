import { commitDate, parseCommit } from '../objects/commit.js';
import type { ObjectReader } from '../objects/object-reader.js';
import { parseTree, type TreeEntry } from '../objects/tree.js';
import { peel } from '../repo/graph.js';

export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  message: string;
  /** Committer date in seconds: the order walks visit commits in. */
  date: number;
}

/** How much a check read: the benchmark shows these grow with the push, not the history. */
export interface ReadStats {
  commitsRead: number;
  treesRead: number;
}

// Trees are re-read by neighbouring commits (a commit's tree is its child's parent tree).
const MAX_CACHED_TREES = 4096;

/**
 * Commits and trees for the policy checks, parsed once per push and shared
 * by every rule and ref. Objects that are missing or do not parse read as
 * null: the connectivity check has already refused such pushes.
 */
export class HistoryReader {
  readonly stats: ReadStats = { commitsRead: 0, treesRead: 0 };
  private readonly commits = new Map<string, CommitInfo | null>();
  private readonly trees = new Map<string, TreeEntry[] | null>();

  constructor(readonly objects: ObjectReader) {}

  async commit(oid: string): Promise<CommitInfo | null> {
    const cached = this.commits.get(oid);
    if (cached !== undefined) return cached;
    let info: CommitInfo | null = null;
    const object = await this.objects.read(oid);
    if (object?.type === 'commit') {
      this.stats.commitsRead++;
      try {
        const commit = parseCommit(object.data, this.objects.algo);
        info = { oid, tree: commit.tree, parents: commit.parents, message: commit.message, date: commitDate(commit) };
      } catch {
        info = null;
      }
    }
    this.commits.set(oid, info);
    return info;
  }

  async tree(oid: string): Promise<TreeEntry[] | null> {
    const cached = this.trees.get(oid);
    if (cached !== undefined) return cached;
    let entries: TreeEntry[] | null = null;
    const object = await this.objects.read(oid);
    if (object?.type === 'tree') {
      this.stats.treesRead++;
      try {
        entries = parseTree(object.data, this.objects.algo);
      } catch {
        entries = null;
      }
    }
    if (this.trees.size >= MAX_CACHED_TREES) this.trees.delete(this.trees.keys().next().value!);
    this.trees.set(oid, entries);
    return entries;
  }

  /** Follow annotated tags; null when the chain is broken. */
  peel(oid: string): Promise<{ oid: string; type: string } | null> {
    return peel(this.objects, oid).catch(() => null);
  }
}
