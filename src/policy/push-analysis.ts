import { isFastForward } from './fast-forward.js';
import type { CommitInfo, HistoryReader } from './history-reader.js';
import { collectNewCommits } from './new-commits.js';
import { changedFiles, type ChangedFile } from './tree-changes.js';

/**
 * What the rules need to know about one push, each fact computed on first
 * use and shared by every rule and ref: whether an update fast-forwards,
 * which commits are new, which files each new commit adds or modifies, and
 * blob sizes. `isNew` says whether an object arrived with the push (the
 * quarantine's isIncoming); everything else is reached through `history`.
 */
export class PushAnalysis {
  private readonly fastForwards = new Map<string, Promise<boolean>>();
  private readonly newCommitsByTip = new Map<string, Promise<CommitInfo[]>>();
  private readonly changesByCommit = new Map<string, Promise<ChangedFile[]>>();
  private readonly blobSizes = new Map<string, Promise<number | null>>();

  constructor(
    readonly history: HistoryReader,
    readonly isNew: (oid: string) => Promise<boolean>,
    /** Sizes already known (the indexer saw every pushed object); others are looked up. */
    private readonly knownSize?: (oid: string) => number | undefined,
  ) {}

  fastForward(oldOid: string, newOid: string): Promise<boolean> {
    return memo(this.fastForwards, `${oldOid} ${newOid}`, () => isFastForward(this.history, oldOid, newOid));
  }

  /** New commits reachable from the tip, newest first. */
  newCommits(tip: string): Promise<CommitInfo[]> {
    return memo(this.newCommitsByTip, tip, () => collectNewCommits(this.history, this.isNew, tip));
  }

  /** Files the commit adds or modifies relative to all its parents. */
  changes(commit: CommitInfo): Promise<ChangedFile[]> {
    return memo(this.changesByCommit, commit.oid, async () => {
      const parentTrees: string[] = [];
      for (const parent of commit.parents) {
        const info = await this.history.commit(parent);
        if (info) parentTrees.push(info.tree);
      }
      return changedFiles(this.history, commit.tree, parentTrees);
    });
  }

  /**
   * What a tip that is not a commit brings (a ref or tag pointing straight
   * at a tree or blob): the whole tree, or the blob, when new.
   */
  async tipFiles(tip: string): Promise<ChangedFile[]> {
    const peeled = await this.history.peel(tip);
    if (!peeled || peeled.type === 'commit' || !(await this.isNew(peeled.oid))) return [];
    if (peeled.type === 'blob') return [{ path: '', oid: peeled.oid, mode: 0o100644, kind: 'blob' }];
    if (peeled.type === 'tree') return changedFiles(this.history, peeled.oid, []);
    return [];
  }

  blobSize(oid: string): Promise<number | null> {
    const known = this.knownSize?.(oid);
    if (known !== undefined) return Promise.resolve(known);
    return memo(this.blobSizes, oid, async () => (await this.history.objects.info(oid))?.size ?? null);
  }
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, compute: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = compute();
    cache.set(key, value);
  }
  return value;
}
